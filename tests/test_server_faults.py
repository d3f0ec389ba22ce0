"""Web server faults do not break a crawl: ``scrapy crawl rtl`` against a faulty sample site.

Transient faults (503 with Retry-After, a reset connection) are retried with back-off and
the page is stored; permanent ones (500, timeout, reset, redirect loop, redirect to another
site) end up in ``rejected_pages`` with their own reason; every other page is stored, the
crawl finishes (exit status 0) in bounded time, and ``crawl_runs`` counts the retries.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
import sqlalchemy as sa
from twisted.internet import error as tx
from twisted.python.failure import Failure

from crawler.fetch_errors import fetch_failure
from crawler.redirects import OffsiteRedirect, RedirectLoop, TooManyRedirects
from crawler.retry_backoff import backoff_delay, parse_retry_after
from sample_site import ARTICLES, BROKEN_PAGES, PRIVATE_PATH, article_url, expected_comments
from sample_site.urls import comments_url
from tests.crawl_helpers import row_counts, scrapy_crawl
from tests.fault_server import (
    FaultServer,
    delayed,
    redirect,
    reset,
    serve_faults,
    server_error,
    unavailable,
)

#: Runs real crawls (``scrapy crawl`` in a child process) against local servers.
pytestmark = pytest.mark.e2e

#: Short timeouts and back-off so that the faults cost seconds, not minutes.
SETTINGS = {
    "DOWNLOAD_TIMEOUT": "2",
    "RETRY_TIMES": "2",
    "RETRY_BACKOFF_BASE": "0.25",
    "RETRY_BACKOFF_MAX": "1.5",
}
#: The first request and RETRY_TIMES retries.
ATTEMPTS = 3

BY_ID = {spec.article_id: spec for spec in ARTICLES}
# Articles given a fault (none of them a special case of the sample site).
TRANSIENT_503 = "7796412031"  # 503 + Retry-After: 1, twice, then the page
TRANSIENT_RESET = "7797093118"  # reset mid-answer once, then the page
SLOW = "7799321875"  # answered after 1 s, under DOWNLOAD_TIMEOUT
MOVED = "7796700412"  # redirected once, on the site
COMMENTS_503 = "7797712018"  # its comment page answers 503 once
PERMANENT_500 = "7796363510"
TIMEOUT = "7796760042"  # answered after 4 s, over DOWNLOAD_TIMEOUT
RESET = "7797871250"  # reset mid-answer, always
LOOP = "7798660130"  # redirected to /redirection/..., which redirects back
OFFSITE = "7799210050"  # redirected to another server
#: Article -> (reason, HTTP status) recorded in rejected_pages.
LOST = {
    PERMANENT_500: ("http_500", 500),
    TIMEOUT: ("timeout", None),
    RESET: ("connection_lost", None),
    LOOP: ("redirect_loop", None),
    OFFSITE: ("offsite_redirect", None),
}
LOOP_BACK = f"/redirection/{LOOP}"
SAMPLE_500 = next(page for page in BROKEN_PAGES if page.reason == "http_500")


def path(article_id: str) -> str:
    return BY_ID[article_id].path


@pytest.fixture
def sites() -> Iterator[tuple[FaultServer, FaultServer]]:
    """The faulty site and another server (another site, for offsite redirects)."""
    with serve_faults() as site, serve_faults() as elsewhere:
        yield site, elsewhere


def assign_faults(site: FaultServer, elsewhere: FaultServer) -> None:
    site.set_fault(path(TRANSIENT_503), unavailable(times=2, retry_after="1"))
    site.set_fault(path(TRANSIENT_RESET), reset(body_bytes=100, times=1))
    site.set_fault(path(SLOW), delayed(1.0))
    site.set_fault(path(MOVED), redirect(path(MOVED) + "?utm_source=redirection", times=1))
    site.set_fault(_comments_path(COMMENTS_503), unavailable(times=1))
    site.set_fault(path(PERMANENT_500), server_error(500))
    site.set_fault(path(TIMEOUT), delayed(4.0))
    site.set_fault(path(RESET), reset(body_bytes=100))
    site.set_fault(path(LOOP), redirect(LOOP_BACK))
    site.set_fault(LOOP_BACK, redirect(path(LOOP)))
    site.set_fault(path(OFFSITE), redirect(elsewhere.base_url + path(OFFSITE)))
    # Discovery pages: the economie listing (the only way to 7797260311) and the news
    # sitemap, whose Retry-After is far beyond RETRY_BACKOFF_MAX.
    site.set_fault("/actu/economie", unavailable(times=1))
    site.set_fault("/sitemaps/news.xml", unavailable(times=1, retry_after="3600"))


def _comments_path(article_id: str) -> str:
    return comments_url(path(article_id))


def gaps(site: FaultServer, target: str) -> list[float]:
    times = site.arrivals(target)
    return [later - earlier for earlier, later in zip(times, times[1:], strict=False)]


def query(db_url: str, sql: str) -> list[Any]:
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text(sql)).mappings().all())
    finally:
        engine.dispose()


def stored_ids(db_url: str) -> set[str]:
    return {row["article_id"] for row in query(db_url, "SELECT article_id FROM articles")}


def test_server_faults_are_retried_recorded_and_the_crawl_finishes(
    sites: tuple[FaultServer, FaultServer], clean_pg_db_url: str
) -> None:
    site, elsewhere = sites
    assign_faults(site, elsewhere)
    base = site.base_url

    done = scrapy_crawl(base, clean_pg_db_url, settings=SETTINGS, timeout=90)

    assert done.returncode == 0, done.stderr[-3000:]

    # Attempts per faulty page, as the server saw them.
    assert site.statuses(path(TRANSIENT_503)) == [503, 503, 200]
    assert site.statuses(path(TRANSIENT_RESET)) == [200, 200]  # the first one cut short
    assert site.count(path(SLOW)) == 1
    assert site.statuses(path(MOVED)) == [302]
    assert site.statuses(path(MOVED) + "?utm_source=redirection") == [200]
    assert site.statuses(_comments_path(COMMENTS_503)) == [503, 200]
    assert site.statuses(path(PERMANENT_500)) == [500] * ATTEMPTS
    assert site.count(path(TIMEOUT)) == ATTEMPTS
    assert site.count(path(RESET)) == ATTEMPTS
    assert site.statuses(SAMPLE_500.path) == [500] * ATTEMPTS
    # A redirect is not a failure to retry: each side of the loop is asked once.
    assert site.statuses(path(LOOP)) == site.statuses(LOOP_BACK) == [302]
    assert site.statuses(path(OFFSITE)) == [302]
    assert elsewhere.requests == []  # only the configured site is followed
    assert site.statuses("/actu/economie") == [503, 200]
    assert site.statuses("/sitemaps/news.xml") == [503, 200]
    assert site.count(PRIVATE_PATH) == 0

    # Back-off: Retry-After honoured (1 s), capped (3600 s asked, 1.5 s waited), else
    # RETRY_BACKOFF_BASE doubling (0.25 s, 0.5 s); a retry may wait longer in the queue.
    assert all(gap >= 0.95 for gap in gaps(site, path(TRANSIENT_503)))
    assert gaps(site, "/sitemaps/news.xml")[0] >= 1.45
    first, second = gaps(site, path(PERMANENT_500))
    assert first >= 0.2 and second >= 0.45
    first, second = gaps(site, path(TIMEOUT))
    assert first >= 2 + 0.2 and second >= 2 + 0.45

    # Every other article is stored, with all its comments.
    kept = [spec for spec in ARTICLES if spec.article_id not in LOST]
    counts = row_counts(clean_pg_db_url)
    assert counts["articles"] == len(kept) == 29
    assert counts["comments"] == sum(len(expected_comments(spec)) for spec in kept) == 212
    stored = stored_ids(clean_pg_db_url)
    assert stored == {spec.article_id for spec in kept}

    # The lost ones are recorded, under the URL asked for, each with its reason.
    rejected = {row["url"]: row for row in query(clean_pg_db_url, "SELECT * FROM rejected_pages")}
    sample_rejects = {article_url(p, base): p.reason for p in BROKEN_PAGES if p.reason}
    assert {url: row["reason"] for url, row in rejected.items() if url in sample_rejects} == (
        sample_rejects
    )
    fault_rejects = {url: row for url, row in rejected.items() if url not in sample_rejects}
    assert {url: (row["reason"], row["http_status"]) for url, row in fault_rejects.items()} == {
        article_url(BY_ID[article_id], base): expected for article_id, expected in LOST.items()
    }
    detail = {reason: fault_rejects[article_url(BY_ID[i], base)]["detail"]
              for i, (reason, _) in LOST.items()}  # fmt: skip
    assert detail["timeout"].startswith("DownloadTimeoutError: ")
    assert "took longer than 2.0 seconds" in detail["timeout"]
    assert detail["connection_lost"].startswith("ResponseDataLossError: ")
    assert detail["redirect_loop"] == "redirect loop: " + " -> ".join(
        [base + path(LOOP), base + LOOP_BACK, base + path(LOOP)]
    )
    assert detail["offsite_redirect"].endswith(f"-> {elsewhere.base_url}{path(OFFSITE)}")

    # The run history counts the retries and the errors.
    (run,) = query(clean_pg_db_url, "SELECT * FROM crawl_runs")
    stats = run["stats"]
    assert (run["status"], run["finish_reason"]) == ("finished", "finished")
    assert run["requests"] == len(site.requests) == stats["downloader/request_count"]
    assert run["pages_rejected"] == len(rejected) == len(sample_rejects) + len(LOST) == 10
    assert run["articles_new"] == 29
    assert run["comments_new"] == 212
    by_status = run["responses_by_status"]
    assert (by_status["503"], by_status["500"], by_status["302"]) == (5, 6, 4)
    # 503: article x2, comment page, listing, sitemap; 500: 2 pages x2;
    # timeout x2, reset x2 (permanent) + 1 (transient).
    assert stats["retry/count"] == 5 + 4 + 2 + 3
    assert stats["retry/reason_count/503 Service Unavailable"] == 5
    assert stats["retry/reason_count/500 Internal Server Error"] == 4
    assert stats["retry/reason_count/scrapy.exceptions.DownloadTimeoutError"] == 2
    assert stats["retry/reason_count/scrapy.exceptions.ResponseDataLossError"] == 3
    assert stats["retry/max_reached"] == 4  # two 500 pages, the timeout, the reset
    assert stats["downloader/exception_type_count/scrapy.exceptions.DownloadTimeoutError"] == 3
    assert stats["downloader/exception_type_count/scrapy.exceptions.ResponseDataLossError"] == 4
    assert stats["retry/backoff_count"] == stats["retry/count"]
    # No wait was longer than RETRY_BACKOFF_MAX, though the sitemap asked for an hour...
    assert stats["retry/backoff_seconds"] <= 1.5 * stats["retry/backoff_count"]
    # ...and a waiting retry held up nothing: other pages were fetched meanwhile.
    log = [record.path for record in site.requests]
    waits = [i for i, target in enumerate(log) if target == path(TRANSIENT_503)]
    for earlier, later in zip(waits, waits[1:], strict=False):
        assert any(target != path(TRANSIENT_503) for target in log[earlier + 1 : later])
    assert stats["retry/retry_after_count"] == 3
    assert (stats["redirect/loop"], stats["redirect/offsite"]) == (1, 1)
    # Each page given up on is logged as an error.
    assert run["errors"] == stats["log_count/ERROR"] == 4


def test_the_next_run_gets_what_the_faults_lost(
    sites: tuple[FaultServer, FaultServer], clean_pg_db_url: str
) -> None:
    site, elsewhere = sites
    assign_faults(site, elsewhere)
    section = [spec for spec in ARTICLES if spec.listing == "societe"]
    lost = {RESET, LOOP, OFFSITE}
    assert lost <= {spec.article_id for spec in section}

    first = scrapy_crawl(site.base_url, clean_pg_db_url, "section=societe", settings=SETTINGS,
                         timeout=90)  # fmt: skip
    assert first.returncode == 0, first.stderr[-3000:]
    stored = stored_ids(clean_pg_db_url)
    assert stored == {spec.article_id for spec in section} - lost

    # The site recovers; refused pages are asked for again once their back-off is over.
    site.clear_faults()
    second = scrapy_crawl(
        site.base_url,
        clean_pg_db_url,
        "section=societe",
        settings={**SETTINGS, "RTL_REJECTED_RETRY_HOURS": "0"},
        timeout=90,
    )
    assert second.returncode == 0, second.stderr[-3000:]

    stored = stored_ids(clean_pg_db_url)
    assert stored == {spec.article_id for spec in section}
    assert row_counts(clean_pg_db_url)["comments"] == sum(
        len(expected_comments(spec)) for spec in section
    )
    reasons = {row["reason"] for row in query(clean_pg_db_url, "SELECT reason FROM rejected_pages")}
    assert reasons == {p.reason for p in BROKEN_PAGES if p.reason and p.listing == "societe"}
    runs = query(clean_pg_db_url, "SELECT status, articles_new FROM crawl_runs ORDER BY id")
    assert [(r["status"], r["articles_new"]) for r in runs] == [
        ("finished", len(section) - len(lost)), ("finished", len(lost)),
    ]  # fmt: skip
    assert elsewhere.requests == []


# --- The pieces, without a crawl ------------------------------------------------------


def test_backoff_doubles_honours_retry_after_and_is_capped() -> None:
    assert [backoff_delay(n, 1.0, 60, None) for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert backoff_delay(7, 1.0, 60, None) == 60
    assert backoff_delay(1, 1.0, 60, 5) == 5
    assert backoff_delay(3, 1.0, 60, 2) == 4  # never shorter than the back-off
    assert backoff_delay(1, 1.0, 60, 3600) == 60


def test_retry_after_as_seconds_or_http_date() -> None:
    now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    assert parse_retry_after(b"120") == 120
    assert parse_retry_after(" 7 ") == 7
    later = format_datetime(now + timedelta(seconds=90), usegmt=True)
    assert parse_retry_after(later.encode(), now=now) == 90
    earlier = format_datetime(now - timedelta(seconds=90), usegmt=True)
    assert parse_retry_after(earlier, now=now) == 0
    assert parse_retry_after(None) is None
    assert parse_retry_after(b"soon") is None
    assert parse_retry_after(b"-5") is None


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (tx.TimeoutError("slow"), "timeout"),
        (tx.ConnectionLost("reset"), "connection_lost"),
        (tx.ConnectionRefusedError("no"), "connection_failed"),
        (tx.DNSLookupError("nx"), "dns_failed"),
        (RedirectLoop("redirect loop: a -> b -> a"), "redirect_loop"),
        (OffsiteRedirect("a -> elsewhere"), "offsite_redirect"),
        (TooManyRedirects("max redirections reached"), "too_many_redirects"),
        (ValueError("odd"), "fetch_failed"),
    ],
)
def test_fetch_failures_have_a_reason(error: Exception, reason: str) -> None:
    found = fetch_failure(Failure(error))
    assert found is not None
    assert found[0] == reason
    assert found[1]


def test_requests_refused_before_fetching_are_not_recorded() -> None:
    from scrapy.exceptions import IgnoreRequest

    assert fetch_failure(Failure(IgnoreRequest("Forbidden by robots.txt"))) is None
