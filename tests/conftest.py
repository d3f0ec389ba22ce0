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
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from crawler.config import database_url
from pipelines.storage import Storage
from schemas import migrate
from schemas.engine import display_url
from schemas.tables import metadata

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
HOW_TO_FIX = (
    "Set TEST_DATABASE_URL to a PostgreSQL server the tests may create databases on "
    "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test), run PostgreSQL on "
    "127.0.0.1:5432 with trust auth for user postgres, or install PostgreSQL "
    "(apt-get install postgresql) so the tests can start a throwaway cluster."
)


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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pg_bin(name: str) -> str | None:
    found = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0,
    )
    return found[-1] if found else shutil.which(name)


@pytest.fixture(scope="session")
def _throwaway_cluster() -> Iterator[str]:
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not (initdb and pg_ctl):
        pytest.fail(f"No PostgreSQL to test against and no initdb/pg_ctl found. {HOW_TO_FIX}")
    # PostgreSQL refuses to run as root: run its tools as the postgres user then.
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    tmp = Path(tempfile.mkdtemp(prefix="crawler-pg-"))
    data, log = tmp / "data", tmp / "server.log"
    if as_root:
        shutil.chown(tmp, user="postgres", group="postgres")
    port = _free_port()
    try:
        subprocess.run(
            [*prefix, initdb, "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync",
             "-E", "UTF8"],
            check=True, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        subprocess.run(
            [*prefix, pg_ctl, "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o",
             f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1 -F", "start"],
            check=True, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError) as exc:
        detail = getattr(exc, "stderr", "") or exc
        server_log = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        shutil.rmtree(tmp, ignore_errors=True)
        pytest.fail(f"Could not start a throwaway PostgreSQL: {detail}\n{server_log}\n{HOW_TO_FIX}")
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    warnings.warn(
        f"No PostgreSQL on 127.0.0.1:5432 and no TEST_DATABASE_URL: testing against a "
        f"throwaway cluster on port {port} (data in {tmp})",
        stacklevel=1,
    )
    try:
        yield url
    finally:
        subprocess.run(
            [*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True, timeout=60,
        )  # fmt: skip
        shutil.rmtree(tmp, ignore_errors=True)


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
