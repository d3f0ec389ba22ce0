"""The run lock under races: sessions that die, runs that start together, migrations that
overlap. Real PostgreSQL (the server restart itself is in test_database_faults.py)."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from crawler import exitcodes
from pipelines.runs import CrawlLockedError, LockLostError, RunLock
from sample_site import SampleServer
from schemas import migrate
from tests.crawl_helpers import ROOT, crawl_command

#: Runs real crawls (``scrapy crawl`` in a child process) against local servers.
pytestmark = pytest.mark.e2e

HOLDER = sa.text(
    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1"
    " AND database = (SELECT oid FROM pg_database WHERE datname = :database)"
    " AND ((classid::bigint << 32) | objid::bigint) = :key"
)


class Server:
    """Looks at and acts on one test database from another database of its server, so it
    works while that database refuses connections."""

    def __init__(self, server_url: str, db_url: str) -> None:
        self.database = sa.make_url(db_url).database
        self.engine = sa.create_engine(
            server_url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT"
        )

    def holder(self, key: int) -> int | None:
        """The server process holding the advisory lock ``key`` there, if any."""
        with self.engine.connect() as conn:
            return conn.scalar(HOLDER, {"key": key, "database": self.database})

    def terminate(self, pid: int | None) -> None:
        """End one session as a server restart would, and wait until it is gone."""
        assert pid is not None
        with self.engine.connect() as conn:
            assert conn.scalar(sa.text("SELECT pg_terminate_backend(:pid, 10000)"), {"pid": pid})

    @contextmanager
    def refusing_connections(self) -> Iterator[None]:
        """New connections to the database are refused (open sessions stay)."""
        with self.engine.connect() as conn:
            conn.exec_driver_sql(f'ALTER DATABASE "{self.database}" ALLOW_CONNECTIONS false')
        try:
            yield
        finally:
            with self.engine.connect() as conn:
                conn.exec_driver_sql(f'ALTER DATABASE "{self.database}" ALLOW_CONNECTIONS true')


@pytest.fixture
def server(pg_url: str, empty_pg_db_url: str) -> Iterator[Server]:
    """The server of ``empty_pg_db_url``, seen from outside that database."""
    server = Server(pg_url, empty_pg_db_url)
    try:
        yield server
    finally:
        server.engine.dispose()


def _wait_for(condition: Callable[[], bool], what: str, *processes: subprocess.Popen) -> None:
    deadline = time.monotonic() + 90
    while not condition():
        for process in processes:
            assert process.poll() is None, f"a crawl ended before {what}: {process.communicate()}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _runs(db_url: str) -> list[tuple]:
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT id, status, finish_reason FROM crawl_runs ORDER BY id")
            ).all()
    finally:
        engine.dispose()
    return [tuple(row) for row in rows]


# --- migrations --------------------------------------------------------------------------


def test_migrations_started_together_take_turns(empty_pg_db_url: str) -> None:
    start = threading.Barrier(3)
    errors: list[BaseException] = []

    def upgrade() -> None:
        try:
            start.wait(timeout=30)
            migrate.upgrade(empty_pg_db_url)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=upgrade) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert migrate.current(empty_pg_db_url) == migrate.head()


# --- a lock whose session is gone -----------------------------------------------------------


def test_a_lost_lock_is_taken_again_and_keeps_others_out(
    server: Server, empty_pg_db_url: str
) -> None:
    engine = sa.create_engine(empty_pg_db_url)
    lock, other = RunLock(engine, "rtl"), RunLock(engine, "rtl")
    try:
        lock.acquire()
        assert lock.check() is True
        first = server.holder(lock.key)
        assert first is not None

        server.terminate(first)  # what a restart does to the session
        assert server.holder(lock.key) is None

        assert lock.check() is True
        again = server.holder(lock.key)
        assert again is not None and again != first
        with pytest.raises(CrawlLockedError):
            other.acquire()
    finally:
        lock.release()
        engine.dispose()
    assert server.holder(lock.key) is None


def test_a_lock_taken_by_another_run_meanwhile_is_lost(
    server: Server, empty_pg_db_url: str
) -> None:
    engine = sa.create_engine(empty_pg_db_url)
    lock, other = RunLock(engine, "rtl"), RunLock(engine, "rtl")
    try:
        lock.acquire()
        server.terminate(server.holder(lock.key))
        other.acquire()  # a second run started while the database had lost the first's lock

        with pytest.raises(LockLostError, match="another run has taken it"):
            lock.check()
        assert lock.check() is False  # nothing held any more; asking again changes nothing
        lock.release()  # harmless, and leaves the other run's lock alone
        with pytest.raises(CrawlLockedError):
            RunLock(engine, "rtl").acquire()
    finally:
        other.release()
        engine.dispose()


def test_a_lock_is_taken_again_once_the_database_answers(
    server: Server, empty_pg_db_url: str
) -> None:
    engine = sa.create_engine(empty_pg_db_url)
    lock = RunLock(engine, "rtl")
    try:
        lock.acquire()
        with server.refusing_connections():
            server.terminate(server.holder(lock.key))
            assert lock.check() is False  # down: nothing known yet, ask again later
            assert lock.check() is False
        assert lock.check() is True
        assert server.holder(lock.key) is not None
    finally:
        lock.release()
        engine.dispose()


# --- whole runs -----------------------------------------------------------------------------


def _start(site: SampleServer, db_url: str, **settings: str) -> subprocess.Popen:
    command, env = crawl_command(site.base_url, db_url, settings=settings or None)
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip


def test_two_first_runs_on_an_empty_database(site: SampleServer, empty_pg_db_url: str) -> None:
    # The site holds every request: whichever run gets the lock waits on its first page
    # while the other one decides.
    site.hold()
    crawls = [_start(site, empty_pg_db_url) for _ in range(2)]
    try:
        _wait_for(lambda: any(c.poll() is not None for c in crawls), "one run to end")
        site.release()
        outputs = [crawl.communicate(timeout=180) for crawl in crawls]
    finally:
        site.release()
        for crawl in crawls:
            if crawl.poll() is None:
                crawl.kill()

    codes = sorted(crawl.returncode for crawl in crawls)
    assert codes == [exitcodes.OK, exitcodes.ALREADY_RUNNING], [e[-3000:] for _, e in outputs]
    refused = next(out for crawl, out in zip(crawls, outputs, strict=True) if crawl.returncode)
    assert "Not started: another run of 'rtl' is still going" in refused[0]
    assert "Cannot open the database" not in refused[0] + refused[1]
    assert "UniqueViolation" not in refused[1] and "Traceback" not in refused[1]
    assert migrate.current(empty_pg_db_url) == migrate.head()
    assert _runs(empty_pg_db_url) == [(1, "finished", "finished")]


def test_a_run_whose_lock_another_run_took_stops_with_75(
    site: SampleServer, server: Server, empty_pg_db_url: str
) -> None:
    engine = sa.create_engine(empty_pg_db_url)
    key = RunLock(engine, "rtl").key
    crawl = _start(site, empty_pg_db_url, RUN_LOCK_CHECK_SECONDS="0.2", DOWNLOAD_DELAY="0.05")
    try:
        _wait_for(lambda: server.holder(key) is not None, "the run's lock", crawl)
        site.hold()  # the crawl waits on its pages from here on
        with engine.connect() as other:  # "another run", connected before the outage
            with server.refusing_connections():
                # The database loses the crawl's lock and, before the crawl can reconnect,
                # another run takes it.
                server.terminate(server.holder(key))
                assert other.scalar(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key})
                other.commit()
            site.release()
            out, err = crawl.communicate(timeout=180)
            assert server.holder(key) == other.scalar(sa.text("SELECT pg_backend_pid()"))
    finally:
        site.release()
        if crawl.poll() is None:
            crawl.kill()
        engine.dispose()

    assert crawl.returncode == exitcodes.ALREADY_RUNNING, err[-3000:]
    assert "another run has taken it since; stopping this one" in err
    assert "Stopped: another run of the same job took the lock" in out
    assert "Traceback" not in err, err[-3000:]
    assert _runs(empty_pg_db_url) == [(1, "failed", "lock_lost")]
