"""A database that goes away, a process killed mid-crawl, a crawl paused and resumed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from crawler.items import ArticleItem, RejectedPageItem
from pipelines.spool import Spool, spool_path
from sample_site import ARTICLES, SampleServer, expected_comments, serve
from tests.crawl_helpers import ROOT, crawl_command, row_counts, scrapy_crawl
from tests.pg_cluster import ClusterError, ThrowawayCluster

EXPECTED_COMMENTS = {spec.article_id: len(expected_comments(spec)) for spec in ARTICLES}


@pytest.fixture(scope="module")
def site() -> Iterator[SampleServer]:
    with serve() as server:
        yield server


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


# --- the database goes away in the middle of a crawl -----------------------------------


def test_database_down_mid_crawl_loses_nothing(
    site: SampleServer, cluster: ThrowawayCluster, tmp_path: Path
) -> None:
    spool_dir = tmp_path / "spool"
    spool = Spool(spool_path(cluster.url, spool_dir))
    crawl = _start_crawl(site, cluster.url, STORE_SPOOL_DIR=str(spool_dir))
    try:
        _wait_for(lambda: _count(cluster.url) >= 5, crawl, "5 articles stored")
        cluster.stop()
        _wait_for(lambda: spool.path.exists() and len(spool) >= 3, crawl, "items spooled")
        cluster.start()
        out, err = crawl.communicate(timeout=180)
    finally:
        if crawl.poll() is None:
            crawl.kill()
    assert "items spooled to" in err

    # Whatever the run could not write back itself, the replay command does.
    replayed = subprocess.run(
        [sys.executable, "-m", "pipelines.replay", "--database-url", cluster.url,
         "--spool-dir", str(spool_dir)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert replayed.returncode == 0, replayed.stderr
    assert not spool.path.exists()
    _assert_complete(cluster.url)
    stats = _rows(cluster.url, "SELECT (stats->>'store/spooled')::int FROM crawl_runs")
    assert stats[0][0] >= 3


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
    site.clear_requests()  # the server is shared by the module's tests
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
