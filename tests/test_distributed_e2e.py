"""End to end: three ``scrapy crawl rtl`` workers sharing one Redis queue crawl the sample
site into one PostgreSQL database, every page fetched once and every row stored once."""

from __future__ import annotations

import subprocess
import time
from collections import Counter
from collections.abc import Iterator

import pytest
import redis
import sqlalchemy as sa

from sample_site import ARTICLES, BROKEN_PAGES, SampleServer, expected_totals, serve
from tests.crawl_helpers import ROOT, crawl_command, row_counts

WORKERS = 3


@pytest.fixture(scope="module")
def site() -> Iterator[SampleServer]:
    with serve() as server:
        yield server


@pytest.fixture
def fresh_site(site: SampleServer) -> SampleServer:
    site.clear_requests()
    return site


def start_worker(
    site: SampleServer, db_url: str, redis_settings: dict[str, str], number: int, **extra: str
) -> subprocess.Popen[str]:
    command, env = crawl_command(
        site.base_url,
        db_url,
        settings={
            **redis_settings,
            "DISTRIBUTED_WORKER": str(number),
            "DISTRIBUTED_IDLE_SECONDS": "3",
            # Slow enough per worker that one worker alone cannot drain the queue before
            # the others poll it (every 5 s when idle): the pages get shared.
            "DOWNLOAD_DELAY": "0.1",
            "CONCURRENT_REQUESTS_PER_DOMAIN": "1",
            **extra,
        },
    )
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def run_workers(
    site: SampleServer, db_url: str, redis_settings: dict[str, str]
) -> list[subprocess.CompletedProcess[str]]:
    workers = [start_worker(site, db_url, redis_settings, n) for n in range(1, WORKERS + 1)]
    done = []
    for process in workers:
        stdout, stderr = process.communicate(timeout=300)
        done.append(subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr))
    return done


def runs(db_url: str) -> list[dict]:
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT * FROM crawl_runs ORDER BY id")).mappings()
            return [dict(row) for row in rows]
    finally:
        engine.dispose()


def test_three_workers_fetch_every_page_once_and_store_every_row_once(
    fresh_site: SampleServer, clean_pg_db_url: str, redis_settings: dict[str, str]
) -> None:
    done = run_workers(fresh_site, clean_pg_db_url, redis_settings)

    for worker in done:
        assert worker.returncode == 0, worker.stderr[-3000:]
    totals = expected_totals()
    counts = row_counts(clean_pg_db_url)
    assert counts["articles"] == totals["articles"] == 34
    assert counts["comments"] == totals["comments"] == 233
    assert counts["rejected_pages"] == totals["rejected_pages"] == 5
    assert counts["article_urls"] >= totals["article_urls_min"]

    history = runs(clean_pg_db_url)
    assert len(history) == WORKERS
    assert sorted(run["arguments"]["worker"].split("/")[1] for run in history) == ["1", "2", "3"]
    assert all(run["job"] == f"rtl worker={run['arguments']['worker']}" for run in history)
    assert all((r["status"], r["finish_reason"]) == ("finished", "finished") for r in history)
    assert sorted(run["stats"]["distributed/seeded"] for run in history) == [0, 0, 1]
    # Each article and comment was new to exactly one worker.
    assert sum(run["articles_new"] for run in history) == 34
    assert sum(run["comments_new"] for run in history) == 233
    assert sum(run["pages_rejected"] for run in history) == 5
    working = [run for run in history if run["requests"]]
    assert len(working) >= 2, [run["requests"] for run in history]

    requests = fresh_site.requests
    # Every request any worker sent reached the site, and nothing else did.
    assert sum(run["requests"] for run in history) == len(requests)
    fetched = Counter(record.path for record in requests)
    # robots.txt: once as the spider's source of sitemaps, and once per worker that sent
    # requests, for its own robots.txt middleware (each process obeys robots.txt itself).
    assert fetched.pop("/robots.txt") == 1 + len(working)
    # The 500 page: the first try and 3 retries, wherever they were popped.
    broken_500 = next(page for page in BROKEN_PAGES if page.reason == "http_500")
    assert fetched.pop(broken_500.path) == 4
    assert {path: n for path, n in fetched.items() if n != 1} == {}
    # Every article page was read (the wire story under either of its two URLs).
    assert all(spec.path in fetched or spec.twin_path in fetched for spec in ARTICLES)

    # The last worker out removed the job's keys.
    client = redis.Redis.from_url(redis_settings["REDIS_URL"])
    try:
        assert list(client.scan_iter(match=f"{redis_settings['REDIS_KEY_PREFIX']}:*")) == []
    finally:
        client.close()

    # The next distributed run is incremental, as a single process would be: only the
    # feed, sitemaps and listings are read, no article page (all old and stored).
    fresh_site.clear_requests()
    again = run_workers(fresh_site, clean_pg_db_url, redis_settings)
    for worker in again:
        assert worker.returncode == 0, worker.stderr[-3000:]
    article_paths = {spec.path for spec in ARTICLES}
    assert not [r.path for r in fresh_site.requests if r.path.split("?")[0] in article_paths]
    assert row_counts(clean_pg_db_url) == counts
    assert len(runs(clean_pg_db_url)) == 2 * WORKERS


def test_a_second_worker_of_the_same_name_exits_75_and_the_job_goes_on(
    fresh_site: SampleServer, clean_pg_db_url: str, redis_settings: dict[str, str]
) -> None:
    fresh_site.hold()
    try:
        # Alone, it may as well go at full speed.
        fast = {"DOWNLOAD_DELAY": "0", "CONCURRENT_REQUESTS_PER_DOMAIN": "8"}
        first = start_worker(fresh_site, clean_pg_db_url, redis_settings, 1, **fast)
        # Its run is recorded once it holds its lock; the held site keeps it busy.
        for _ in range(600):
            if runs(clean_pg_db_url) or first.poll() is not None:
                break
            time.sleep(0.1)
        assert first.poll() is None, first.communicate()[1][-3000:]

        twin = start_worker(fresh_site, clean_pg_db_url, redis_settings, 1)
        _, twin_err = twin.communicate(timeout=120)
        assert twin.returncode == 75, twin_err[-3000:]
        assert "another run of 'rtl worker=" in twin_err
    finally:
        fresh_site.release()
    _, first_err = first.communicate(timeout=300)

    assert first.returncode == 0, first_err[-3000:]
    assert row_counts(clean_pg_db_url)["articles"] == 34
    history = runs(clean_pg_db_url)
    assert [(run["status"], run["articles_new"]) for run in history] == [("finished", 34)]
