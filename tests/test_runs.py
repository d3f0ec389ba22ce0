"""Run history, the overlap lock and exit statuses, through the real ``scrapy crawl``."""

from __future__ import annotations

import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from crawler import exitcodes
from pipelines.runs import CrawlLockedError, RunLock, begin_run
from sample_site import SampleServer
from schemas import migrate
from tests.crawl_helpers import ROOT, crawl_command, scrapy_crawl

#: Runs real crawls (``scrapy crawl`` in a child process) against local servers.
pytestmark = pytest.mark.e2e


@pytest.fixture(params=["postgres", "sqlite"])
def any_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        return request.getfixturevalue("clean_pg_db_url")
    return f"sqlite:///{tmp_path / 'crawl.sqlite'}"


def _runs(db_url: str) -> list[sa.Row]:
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(
                sa.text("SELECT id, status, finish_reason FROM crawl_runs ORDER BY id")
            ).all()
    except sa.exc.OperationalError:
        return []  # not created yet
    except sa.exc.ProgrammingError:
        return []
    finally:
        engine.dispose()


def test_second_run_of_the_same_job_exits_at_once(site: SampleServer, any_db_url: str) -> None:
    # Slow enough that the first run is still going when the second starts.
    command, env = crawl_command(site.base_url, any_db_url, settings={"DOWNLOAD_DELAY": "0.05"})
    first = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not any(run.status == "running" for run in _runs(any_db_url)):
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline, "the first run never started"
            time.sleep(0.1)

        second = scrapy_crawl(site.base_url, any_db_url)

        assert first.poll() is None, "the first run ended before the second was refused"
    finally:
        out, err = first.communicate(timeout=180)
    assert second.returncode == exitcodes.ALREADY_RUNNING == 75
    assert "Not started: another run of 'rtl' is still going" in second.stdout
    assert "Traceback" not in second.stderr, second.stderr[-3000:]
    # Refused at once: the second run fetched nothing (its final stats count no request).
    assert "'finish_reason': 'shutdown'" in second.stderr
    assert "downloader/request_count" not in second.stderr
    assert first.returncode == 0, err[-2000:]
    # The refused run left no trace; the first one finished normally.
    assert _runs(any_db_url) == [(1, "finished", "finished")]


def test_lock_is_per_job_and_released(pg_db_url: str, tmp_path: Path) -> None:
    sqlite_url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    migrate.upgrade(sqlite_url)
    for url in (pg_db_url, sqlite_url):
        engine = sa.create_engine(url)
        try:
            held = RunLock(engine, "rtl")
            held.acquire()
            with pytest.raises(CrawlLockedError, match="another run of 'rtl'"):
                RunLock(engine, "rtl").acquire()
            other_job = RunLock(engine, "rtl section=sport")
            other_job.acquire()
            other_job.release()
            held.release()
            again = RunLock(engine, "rtl")
            again.acquire()
            again.release()
        finally:
            engine.dispose()


def test_a_killed_run_is_marked_interrupted_by_the_next(clean_pg_db_url: str) -> None:
    engine = sa.create_engine(clean_pg_db_url)
    try:
        now = datetime.now(UTC)
        dead = begin_run(engine, "rtl", "rtl", {}, now)  # its process never finished it
        other = begin_run(engine, "rtl section=sport", "rtl", {"section": "sport"}, now)
        begin_run(engine, "rtl", "rtl", {}, now)
        with engine.connect() as conn:
            statuses = dict(conn.execute(sa.text("SELECT id, status FROM crawl_runs")).all())
    finally:
        engine.dispose()
    assert statuses[dead] == "interrupted"
    assert statuses[other] == "running"


def test_exit_status_when_the_site_does_not_answer(any_db_url: str) -> None:
    # Nothing listens on port 9 of 127.0.0.1: every request fails, no response at all.
    done = scrapy_crawl("http://127.0.0.1:9", any_db_url, settings={"RETRY_TIMES": "0"})

    assert done.returncode == exitcodes.CRAWL_FAILED == 1
    assert "Crawl failed (exit status 1)" in done.stdout
    assert _runs(any_db_url) == [(1, "failed", "finished")]


def test_exit_status_when_the_database_is_unreachable(site: SampleServer) -> None:
    done = scrapy_crawl(site.base_url, "postgresql+psycopg://nobody@127.0.0.1:9/none")

    assert done.returncode == exitcodes.DATABASE_UNAVAILABLE == 69
    assert "Crawl failed to start" in done.stdout
    assert "127.0.0.1:9" in done.stdout
    # The message says it all; no stack trace from Scrapy's shutdown around it.
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert "ERROR: Crawl failed to start: Cannot open the database" in done.stderr


def test_exit_status_of_a_good_run_is_zero(site: SampleServer, tmp_path: Path) -> None:
    done = scrapy_crawl(site.base_url, f"sqlite:///{tmp_path / 'ok.sqlite'}", "section=culture")

    assert done.returncode == exitcodes.OK == 0, done.stderr[-2000:]


def test_same_job_on_two_databases_of_one_server_does_not_collide(
    pg_db_url: str, empty_pg_db_url: str
) -> None:
    # PostgreSQL advisory locks are server-wide; the key includes the database.
    engines = [sa.create_engine(pg_db_url), sa.create_engine(empty_pg_db_url)]
    locks = [RunLock(engine, "rtl") for engine in engines]
    try:
        for lock in locks:
            lock.acquire()
    finally:
        for lock in locks:
            lock.release()
        for engine in engines:
            engine.dispose()
