"""A database that goes away, a process killed mid-crawl, a crawl paused and resumed."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from crawler.exitcodes import ALREADY_RUNNING, CRAWL_FAILED
from crawler.items import ArticleItem, RejectedPageItem
from pipelines.replay import main as replay_main
from pipelines.runs import RunLock, begin_run
from pipelines.spool import RunEnd, Spool, replay, spool_path
from pipelines.storage import Storage
from sample_site import ARTICLES, SampleServer, expected_comments
from tests.crawl_helpers import ROOT, crawl_command, row_counts, scrapy_crawl
from tests.pg_cluster import ClusterError, ThrowawayCluster

#: Runs real crawls (``scrapy crawl`` in a child process) against local servers.
pytestmark = pytest.mark.e2e

EXPECTED_COMMENTS = {spec.article_id: len(expected_comments(spec)) for spec in ARTICLES}


@pytest.fixture
def cluster() -> Iterator[ThrowawayCluster]:
    """A PostgreSQL of this test's own, which it may stop and start."""
    try:
        server = ThrowawayCluster()
        server.start()
    except ClusterError as exc:
        pytest.fail(f"cannot start a PostgreSQL to stop and restart: {exc}")
    try:
        yield server
    finally:
        server.close()


def _count(db_url: str, sql: str = "SELECT count(*) FROM articles") -> int:
    engine = sa.create_engine(db_url, connect_args={"connect_timeout": 2})
    try:
        with engine.connect() as conn:
            return conn.scalar(sa.text(sql))
    except sa.exc.SQLAlchemyError:
        return -1
    finally:
        engine.dispose()


def _wait_for(condition: Callable[[], bool], process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 90
    while not condition():
        assert process.poll() is None, f"the crawl ended before {what}: {process.communicate()}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _start_crawl(site: SampleServer, db_url: str, **settings: str) -> subprocess.Popen:
    # One article per transaction and a small delay, so the crawl is caught mid-way.
    options = {"STORE_BATCH_SIZE": "1", "DOWNLOAD_DELAY": "0.03", **settings}
    command, env = crawl_command(site.base_url, db_url, settings=options)
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip


def _assert_complete(db_url: str) -> None:
    """The whole sample site, each article with all its comments, each row once."""
    counts = row_counts(db_url)
    assert (counts["articles"], counts["comments"], counts["rejected_pages"]) == (34, 233, 5)
    per_article = dict(
        _rows(db_url, "SELECT a.article_id, count(c.id) FROM articles a"
                      " LEFT JOIN comments c ON c.article_id = a.id GROUP BY a.article_id")
    )  # fmt: skip
    assert per_article == EXPECTED_COMMENTS


def _rows(db_url: str, sql: str) -> list[sa.Row]:
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql)).all()
    finally:
        engine.dispose()


# --- the spool file -----------------------------------------------------------------------


def test_spool_round_trip_and_damaged_tail(tmp_path: Path) -> None:
    when = datetime(2019, 11, 9, 8, 35, tzinfo=UTC)
    article = ArticleItem(
        url="https://www.rtl.fr/actu/a-7797504917", article_id="7797504917", title="Titre",
        body="Corps « guillemets »", published_at=when, authors=["Marie"], etag='"x"',
        comments=[{"comment_id": "c1", "parent_id": None, "author": "A", "posted_at": when,
                   "text": "<script>alert(1)</script>"}],
    )  # fmt: skip
    rejected = RejectedPageItem(url="https://www.rtl.fr/x", reason="http_404", http_status=404)
    spool = Spool(spool_path("postgresql+psycopg://u:secret@db/news", tmp_path))
    assert "secret" not in str(spool.path)

    spool.append([article, rejected])
    with open(spool.path, "a", encoding="utf-8") as handle:
        handle.write('{"kind": "article", "item": {"url": "https://www.rtl.fr/cut')  # a crash

    assert list(spool.items()) == [article, rejected]
    assert len(spool) == 3
    spool.clear()
    assert not spool.path.exists()


def test_spool_file_name_for_a_database_url(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    url = "postgresql+psycopg://crawler:secret@db.example/news"
    # As the README says: the sha256 of the URL with its password hidden, 12 hex digits.
    digest = hashlib.sha256(b"postgresql+psycopg://crawler:***@db.example/news").hexdigest()
    expected = tmp_path / f"postgresql-{digest[:12]}.jsonl"
    assert spool_path(url, tmp_path) == expected

    assert replay_main(["--database-url", url, "--spool-dir", str(tmp_path), "--show-path"]) == 0
    assert capsys.readouterr().out == f"{expected}\n"
    assert spool_path("sqlite:///var/crawl.sqlite").parent == Path("var/spool")


def test_replay_writes_each_item_under_its_run_and_the_run_ends_in_order(
    pg_storage: Storage, tmp_path: Path
) -> None:
    engine = pg_storage.engine
    started = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
    first, second = (begin_run(engine, "rtl", "rtl", {}, started) for _ in range(2))
    assert _statuses(engine) == [(first, "interrupted", None), (second, "running", None)]

    def article(article_id: str) -> ArticleItem:
        url = f"https://www.rtl.fr/actu/monde/a-{article_id}"
        return ArticleItem(url=url, canonical_url=url, article_id=article_id, title="Titre",
                           body="Corps.", published_at=started)  # fmt: skip

    spool = Spool(spool_path(pg_storage.engine.url, tmp_path))
    spool.append([article("7700000001")], run_id=first)
    ended = started + timedelta(hours=1)
    stats = {"finish_reason": "finished", "response_received_count": 12,
             "downloader/request_count": 13, "store/spool_pending": 1, "start_time": started}
    spool.append_run_end(RunEnd(first, ended, stats))  # fmt: skip
    spool.append([article("7700000002")])  # a line from before runs were recorded
    assert len(spool) == 2

    result = replay(pg_storage, spool, run_id=second)

    assert (result.articles_new, result.runs_ended) == (2, 1)
    assert not spool.path.exists()
    with engine.connect() as conn:
        owners = conn.execute(
            sa.text("SELECT article_id, first_run_id FROM articles ORDER BY 1")
        ).all()
        row = conn.execute(
            sa.text("SELECT finished_at, requests, responses, stats FROM crawl_runs WHERE id = :i"),
            {"i": first},
        ).one()
    assert [tuple(o) for o in owners] == [("7700000001", first), ("7700000002", second)]
    assert _statuses(engine) == [(first, "failed", "finished"), (second, "running", None)]
    assert (row.finished_at, row.requests, row.responses) == (ended, 13, 12)
    assert row.stats == {**stats, "start_time": started.isoformat()}

    # A run's end is written once: replaying an old copy of it changes nothing.
    spool.append_run_end(RunEnd(first, ended + timedelta(hours=1), {"finish_reason": "x"}))
    replay(pg_storage, spool)
    assert _statuses(engine) == [(first, "failed", "finished"), (second, "running", None)]


def _statuses(engine: sa.Engine) -> list[tuple]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT id, status, finish_reason FROM crawl_runs ORDER BY id")
        ).all()
    return [tuple(row) for row in rows]


# --- the database goes away in the middle of a crawl -----------------------------------


def _lock_holder(db_url: str, key: int) -> int | None:
    """The server process holding the advisory lock ``key`` in this database, if any."""
    try:
        rows = _rows(db_url, "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
                             " AND objsubid = 1 AND ((classid::bigint << 32) | objid::bigint)"
                             f" = {int(key)}")  # fmt: skip
    except sa.exc.SQLAlchemyError:
        return None
    return rows[0][0] if rows else None


def test_database_restarts_mid_crawl_the_lock_holds_and_nothing_is_lost(
    site: SampleServer, cluster: ThrowawayCluster, tmp_path: Path
) -> None:
    """A restart mid-crawl, then an outage until the crawl has ended, then `make replay`."""
    spool_dir = tmp_path / "spool"
    spool = Spool(spool_path(cluster.url, spool_dir))
    settings = {"STORE_SPOOL_DIR": str(spool_dir)}
    key = RunLock(sa.create_engine(cluster.url), "rtl").key
    crawl = _start_crawl(site, cluster.url, RUN_LOCK_CHECK_SECONDS="0.2", **settings)
    try:
        _wait_for(lambda: _count(cluster.url) >= 5, crawl, "5 articles stored")
        before = _lock_holder(cluster.url, key)
        assert before is not None
        cluster.stop()
        _wait_for(lambda: spool.path.exists() and len(spool) >= 3, crawl, "items spooled")
        site.hold()  # the crawl waits on its pages: it cannot end while the test looks
        cluster.start()  # a restart: every session is new, none holds the lock
        _wait_for(lambda: _lock_holder(cluster.url, key) not in (None, before), crawl,
                  "the lock taken again")  # fmt: skip

        second = scrapy_crawl(site.base_url, cluster.url, settings=settings)

        assert second.returncode == ALREADY_RUNNING == 75, second.stderr[-3000:]
        assert "Not started: another run of 'rtl' is still going" in second.stdout
        # Down again, until the crawl has ended.
        cluster.stop()
        site.release()
        out, err = crawl.communicate(timeout=180)
    finally:
        site.release()
        if crawl.poll() is None:
            crawl.kill()
    assert "items spooled to" in err
    assert "the end of run 1 waits in" in err
    assert crawl.returncode == CRAWL_FAILED == 1, err[-3000:]  # items were left waiting
    pending = len(spool)
    ends = [entry for entry, _ in spool.entries() if isinstance(entry, RunEnd)]
    assert pending > 0 and [end.run_id for end in ends] == [1]
    assert ends[0].stats["store/spool_pending"] == pending

    # Whatever the run could not write back itself, the replay command does, its end too.
    cluster.start()
    assert _rows(cluster.url, "SELECT id, status FROM crawl_runs") == [(1, "running")]
    replayed = subprocess.run(
        [sys.executable, "-m", "pipelines.replay", "--database-url", cluster.url,
         "--spool-dir", str(spool_dir)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert replayed.returncode == 0, replayed.stderr
    assert f"Wrote {pending} spooled items" in replayed.stdout
    assert "1 runs' ends recorded in crawl_runs" in replayed.stdout
    assert not spool.path.exists()
    _assert_complete(cluster.url)
    runs = _rows(
        cluster.url,
        "SELECT id, status, finish_reason, finished_at IS NOT NULL, requests,"
        " (stats->>'downloader/request_count')::int, (stats->>'store/spool_pending')::int,"
        " (stats->>'store/spooled')::int >= 3 FROM crawl_runs",
    )
    assert len(runs) == 1
    run_id, status, reason, finished, requests, counted, still_pending, spooled = runs[0]
    assert (run_id, status, reason, finished) == (1, "failed", "finished", True)
    assert requests == counted > 0
    assert (still_pending, spooled) == (pending, True)
    # Spooled or not, every row names the run that crawled it.
    assert _rows(cluster.url, "SELECT DISTINCT first_run_id FROM articles") == [(1,)]
    assert _rows(cluster.url, "SELECT DISTINCT first_run_id FROM comments") == [(1,)]


def test_items_spooled_by_one_run_are_written_by_the_next(
    site: SampleServer, tmp_path: Path, clean_pg_db_url: str
) -> None:
    spool_dir = tmp_path / "spool"
    first = scrapy_crawl(site.base_url, clean_pg_db_url, "section=sport",
                         settings={"STORE_SPOOL_DIR": str(spool_dir)})  # fmt: skip
    assert first.returncode == 0, first.stderr[-2000:]
    # Items a crashed run left in the spool: an article the database has not seen.
    spec = next(s for s in ARTICLES if s.listing == "culture")
    late = ArticleItem(url=site.base_url + spec.path, article_id=spec.article_id,
                       title="Écrit plus tard", body="Corps.",
                       published_at=datetime(2019, 5, 1, tzinfo=UTC))  # fmt: skip
    Spool(spool_path(clean_pg_db_url, spool_dir)).append([late])

    second = scrapy_crawl(site.base_url, clean_pg_db_url, "section=sport",
                          settings={"STORE_SPOOL_DIR": str(spool_dir)})  # fmt: skip

    assert second.returncode == 0, second.stderr[-2000:]
    titles = _rows(
        clean_pg_db_url, f"SELECT title FROM articles WHERE article_id = '{spec.article_id}'"
    )
    assert titles == [("Écrit plus tard",)]
    assert not spool_path(clean_pg_db_url, spool_dir).exists()


# --- the crawl process is killed -----------------------------------------------------------


def test_sigkill_leaves_no_half_written_article_and_the_next_run_completes(
    site: SampleServer, clean_pg_db_url: str
) -> None:
    crawl = _start_crawl(site, clean_pg_db_url)
    _wait_for(lambda: _count(clean_pg_db_url) >= 8, crawl, "8 articles stored")
    crawl.send_signal(signal.SIGKILL)
    crawl.communicate(timeout=30)

    # Every stored article is whole: its version, its authors, all its comments.
    stored = _rows(
        clean_pg_db_url,
        "SELECT a.article_id, (SELECT count(*) FROM comments c WHERE c.article_id = a.id),"
        " (SELECT count(*) FROM article_versions v WHERE v.article_id = a.id),"
        " (SELECT count(*) FROM article_authors x WHERE x.article_id = a.id) FROM articles a",
    )
    assert 8 <= len(stored) < 34
    for article_id, comments, versions, authors in stored:
        assert comments == EXPECTED_COMMENTS[article_id], article_id
        assert versions == 1 and authors >= 1, article_id
    assert _rows(clean_pg_db_url, "SELECT status FROM crawl_runs") == [("running",)]

    again = scrapy_crawl(site.base_url, clean_pg_db_url)

    assert again.returncode == 0, again.stderr[-2000:]
    _assert_complete(clean_pg_db_url)
    assert _rows(clean_pg_db_url, "SELECT id, status FROM crawl_runs ORDER BY id") == [
        (1, "interrupted"), (2, "finished"),
    ]  # fmt: skip


def test_pause_and_resume_with_jobdir(
    site: SampleServer, clean_pg_db_url: str, tmp_path: Path
) -> None:
    jobdir = str(tmp_path / "job")
    crawl = _start_crawl(site, clean_pg_db_url, JOBDIR=jobdir)
    _wait_for(lambda: _count(clean_pg_db_url) >= 5, crawl, "5 articles stored")
    # One Ctrl-C: Scrapy finishes what is in flight and saves its queue in JOBDIR.
    crawl.send_signal(signal.SIGINT)
    crawl.communicate(timeout=120)
    paused_at = _count(clean_pg_db_url)
    assert paused_at < 34
    assert os.path.exists(os.path.join(jobdir, "requests.seen"))
    discovery = {
        r.path for r in site.requests if r.path.startswith(("/sitemap", "/flux/"))
    }
    assert discovery
    site.clear_requests()

    resumed = scrapy_crawl(site.base_url, clean_pg_db_url, settings={"JOBDIR": jobdir})

    assert resumed.returncode == 0, resumed.stderr[-2000:]
    _assert_complete(clean_pg_db_url)
    # Resuming did not start over: the discovery pages read before the pause were not
    # read again (one still queued at the pause is read now, as it should be).
    assert not discovery & {r.path for r in site.requests}
    assert _rows(clean_pg_db_url, "SELECT status FROM crawl_runs ORDER BY id") == [
        ("failed",), ("finished",),
    ]  # fmt: skip
