"""Database fixtures: a real PostgreSQL server (never a stand-in) and SQLite files.

PostgreSQL comes from, in order: ``TEST_DATABASE_URL``; the server on 127.0.0.1:5432
(user postgres, database test, trust auth); a throwaway cluster started with the system's
``initdb``/``pg_ctl``. The tests create their own database on it for the session, migrate it
once, and empty it before each test that asks for a clean one.

Fixtures:
    pg_url           server URL (session)
    pg_db_url        URL of this session's migrated test database (session; not emptied)
    clean_pg_db_url  pg_db_url, with every table emptied and ids restarted (function)
    empty_pg_db_url  URL of a brand-new, unmigrated database, dropped afterwards (function)
    pg_engine        engine on clean_pg_db_url (function)
    pg_storage       Storage on clean_pg_db_url (function)
    sqlite_url       URL of an SQLite file in tmp_path, not migrated (function)
    db_url           clean_pg_db_url or sqlite_url (migrated), ids "postgres"/"sqlite"
    storage          Storage on db_url, ids "postgres"/"sqlite" (function)
    site             the sample site, served for the whole module and reset before each
                     test (no request logged, bundled articles, default layout)
"""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from crawler.config import database_url
from pipelines.storage import Storage
from sample_site import SampleServer, serve
from schemas import migrate
from schemas.engine import display_url
from schemas.tables import metadata
from tests.pg_cluster import HOW_TO_FIX, ClusterError, ThrowawayCluster

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _answers(url: str, timeout: int = 2) -> str | None:
    """None if a connection to ``url`` works, else why not."""
    engine = sa.create_engine(
        url, poolclass=sa.pool.NullPool, connect_args={"connect_timeout": timeout}
    )
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return None
    except sa.exc.SQLAlchemyError as exc:
        return str(getattr(exc, "orig", exc)).strip()
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def _throwaway_cluster() -> Iterator[str]:
    try:
        cluster = ThrowawayCluster()
        cluster.start()
    except ClusterError as exc:
        pytest.fail(f"No PostgreSQL to test against, and no throwaway cluster: {exc}")
    warnings.warn(
        f"No PostgreSQL on 127.0.0.1:5432 and no TEST_DATABASE_URL: testing against a "
        f"throwaway cluster on port {cluster.port} (data in {cluster.tmp})",
        stacklevel=1,
    )
    try:
        yield cluster.url
    finally:
        cluster.close()


@pytest.fixture(scope="session")
def pg_url(request: pytest.FixtureRequest) -> str:
    """URL of a PostgreSQL server whose user may create databases."""
    explicit = os.environ.get("TEST_DATABASE_URL")
    if explicit:
        url = database_url({"DATABASE_URL": explicit})
        problem = _answers(url, timeout=5)
        if problem:
            pytest.fail(f"TEST_DATABASE_URL ({display_url(url)}) does not answer: {problem}")
        return url
    if _answers(DEFAULT_PG_URL) is None:
        return DEFAULT_PG_URL
    return request.getfixturevalue("_throwaway_cluster")


def _admin_engine(server_url: str) -> sa.Engine:
    # CREATE/DROP DATABASE cannot run inside a transaction.
    return sa.create_engine(server_url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")


def _create_database(server_url: str, prefix: str) -> str:
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    engine = _admin_engine(server_url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.SQLAlchemyError as exc:
        pytest.fail(
            f"Cannot create a test database on {display_url(server_url)}: {exc}. {HOW_TO_FIX}"
        )
    finally:
        engine.dispose()
    return sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)


def _drop_database(server_url: str, db_url: str) -> None:
    name = sa.make_url(db_url).database
    engine = _admin_engine(server_url)
    try:
        with engine.connect() as conn:
            # FORCE: a test that failed midway may still hold a connection.
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def pg_db_url(pg_url: str) -> Iterator[str]:
    """This session's own database, migrated to head; dropped at the end."""
    url = _create_database(pg_url, "crawler_test")
    try:
        migrate.upgrade(url)
        yield url
    finally:
        _drop_database(pg_url, url)


@pytest.fixture
def clean_pg_db_url(pg_db_url: str) -> str:
    """``pg_db_url`` with every table empty and every id sequence restarted."""
    names = ", ".join(table.name for table in metadata.sorted_tables)
    engine = sa.create_engine(pg_db_url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    finally:
        engine.dispose()
    return pg_db_url


@pytest.fixture
def empty_pg_db_url(pg_url: str) -> Iterator[str]:
    """A brand-new database with nothing in it, for migration tests."""
    url = _create_database(pg_url, "crawler_test_empty")
    try:
        yield url
    finally:
        _drop_database(pg_url, url)


@pytest.fixture
def pg_engine(clean_pg_db_url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(clean_pg_db_url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def pg_storage(clean_pg_db_url: str) -> Iterator[Storage]:
    with Storage(clean_pg_db_url) as storage:
        yield storage


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'crawl.sqlite'}"


@pytest.fixture(params=["postgres", "sqlite"])
def db_url(request: pytest.FixtureRequest) -> str:
    """A clean, migrated database on each backend."""
    if request.param == "postgres":
        return request.getfixturevalue("clean_pg_db_url")
    url = request.getfixturevalue("sqlite_url")
    migrate.upgrade(url)
    return url


@pytest.fixture
def storage(db_url: str) -> Iterator[Storage]:
    with Storage(db_url) as storage:
        yield storage


# --- The sample site ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def _module_site() -> Iterator[SampleServer]:
    with serve() as server:
        yield server


@pytest.fixture
def site(_module_site: SampleServer) -> SampleServer:
    """The module's sample site, as if new: tests that share a server never see each
    other's requests, articles or layout."""
    _module_site.reset()
    return _module_site


# --- Test lanes -------------------------------------------------------------------------

#: Fixtures that give a test a PostgreSQL database.
PG_FIXTURES = frozenset(
    {"pg_url", "pg_db_url", "clean_pg_db_url", "empty_pg_db_url", "pg_engine", "pg_storage"}
)


def _uses_postgres(item: pytest.Item) -> bool:
    if PG_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    # Fixtures parametrized over backends fetch PostgreSQL lazily, under the id "postgres".
    callspec = getattr(item, "callspec", None)
    return callspec is not None and "postgres" in callspec.id.split("-")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Sort every test into its lanes: ``e2e`` (marked by its module: real crawls),
    ``postgres`` (uses a PostgreSQL database), ``redis`` (uses Redis), ``unit`` (none of
    them: ``make test-fast``)."""
    for item in items:
        if _uses_postgres(item):
            item.add_marker(pytest.mark.postgres)
        if "redis_settings" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.redis)
        if not any(item.get_closest_marker(lane) for lane in ("e2e", "postgres", "redis")):
            item.add_marker(pytest.mark.unit)


#: Redis for the distributed-crawl tests: TEST_REDIS_URL, else database 15 of the server on
#: 127.0.0.1:6379 (out of the way of crawls, which default to database 0).
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_settings() -> Iterator[dict[str, str]]:
    """``REDIS_URL`` and a ``REDIS_KEY_PREFIX`` of this test's own, so that test sessions
    running at once never share a queue; the prefix's keys are deleted afterwards."""
    import redis

    url = os.environ.get("TEST_REDIS_URL", DEFAULT_REDIS_URL)
    client = redis.Redis.from_url(url, socket_connect_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(
            f"No Redis at {url} for the distributed-crawl tests ({exc}); start one with "
            "`redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save ''` "
            "(.ci/run does), or set TEST_REDIS_URL"
        )
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    try:
        yield {"REDIS_URL": url, "REDIS_KEY_PREFIX": prefix}
    finally:
        for key in client.scan_iter(match=f"{prefix}:*"):
            client.delete(key)
        client.close()
