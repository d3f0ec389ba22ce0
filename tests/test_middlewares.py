"""The downloader middlewares in process, built with Scrapy's own ``get_crawler``: no
server, no crawl (the crawl-level behaviour is in ``test_server_faults.py``)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from scrapy import Request, Spider
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler

from crawler.redirects import (
    OffsiteRedirect,
    RedirectLoop,
    SiteMetaRefreshMiddleware,
    SiteRedirectMiddleware,
    TooManyRedirects,
)
from crawler.retry_backoff import (
    RETRY_AFTER_META,
    RetryBackoffMiddleware,
    backoff_delay,
    parse_retry_after,
)

SITE = "http://127.0.0.1:8000"


class SiteSpider(Spider):
    name = "site"
    base_netloc = "127.0.0.1:8000"


def crawler_with(**settings: object):
    crawler = get_crawler(SiteSpider, settings_dict=settings)
    crawler.spider = SiteSpider()
    crawler.stats.open_spider()
    return crawler


# --- Back-off -----------------------------------------------------------------------------


def backoff(**settings: object) -> tuple[RetryBackoffMiddleware, object]:
    crawler = crawler_with(RETRY_ENABLED=True, **settings)
    return RetryBackoffMiddleware.from_crawler(crawler), crawler.stats


@pytest.mark.parametrize(
    ("retry", "retry_after", "expected"),
    [(1, None, 1.0), (2, None, 2.0), (3, None, 4.0), (7, None, 60.0), (1, 5.0, 5.0),
     (3, 2.0, 4.0), (1, 3600.0, 60.0)],
)
def test_nth_retry_waits_base_doubling_or_retry_after_up_to_the_cap(
    retry: int, retry_after: float | None, expected: float
) -> None:
    assert backoff_delay(retry, base=1.0, cap=60.0, retry_after=retry_after) == expected


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    assert parse_retry_after(b"120") == 120.0
    assert parse_retry_after("Mon, 30 Nov 2026 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Mon, 30 Nov 2026 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_the_middleware_is_off_without_retries_or_without_a_cap() -> None:
    with pytest.raises(NotConfigured):
        RetryBackoffMiddleware.from_crawler(crawler_with(RETRY_ENABLED=False))
    with pytest.raises(NotConfigured):
        RetryBackoffMiddleware.from_crawler(crawler_with(RETRY_ENABLED=True, RETRY_BACKOFF_MAX=0))


def test_an_answer_s_retry_after_is_kept_for_the_retry_and_dropped_otherwise() -> None:
    middleware, _ = backoff()
    request = Request(f"{SITE}/a")
    answer = Response(request.url, status=503, headers={"Retry-After": "7"})
    assert middleware.process_response(request, answer) is answer
    assert request.meta[RETRY_AFTER_META] == 7.0
    middleware.process_response(request, Response(request.url, status=500))
    assert RETRY_AFTER_META not in request.meta
    request.meta[RETRY_AFTER_META] = 3.0
    assert middleware.process_exception(request, TimeoutError()) is None
    assert RETRY_AFTER_META not in request.meta


def test_a_first_attempt_goes_at_once_and_a_retry_waits_and_is_counted() -> None:
    middleware, stats = backoff(RETRY_BACKOFF_BASE=0.01, RETRY_BACKOFF_MAX=0.05)
    asyncio.run(middleware.process_request(Request(f"{SITE}/a")))
    assert stats.get_value("retry/backoff_count") is None
    retry = Request(f"{SITE}/a", meta={"retry_times": 2})
    asyncio.run(middleware.process_request(retry))
    asked = Request(f"{SITE}/b", meta={"retry_times": 1, RETRY_AFTER_META: 3600.0})
    asyncio.run(middleware.process_request(asked))
    assert stats.get_value("retry/backoff_count") == 2
    # 0.01 * 2 for the second retry; the hour asked for is capped at 0.05.
    assert stats.get_value("retry/backoff_seconds") == pytest.approx(0.02 + 0.05)
    assert stats.get_value("retry/retry_after_count") == 1


# --- Redirects ----------------------------------------------------------------------------


def redirect(middleware_class, **settings: object):
    crawler = crawler_with(**settings)
    return middleware_class.from_crawler(crawler), crawler.stats


def moved(request: Request, location: str) -> Response:
    return Response(request.url, status=302, headers={"Location": location})


def test_a_redirect_on_the_site_is_followed() -> None:
    middleware, _ = redirect(SiteRedirectMiddleware)
    request = Request(f"{SITE}/old")
    followed = middleware.process_response(request, moved(request, "/new"))
    assert isinstance(followed, Request)
    assert followed.url == f"{SITE}/new"
    assert followed.meta["redirect_urls"] == [f"{SITE}/old"]


def test_a_redirect_loop_is_refused_with_its_chain() -> None:
    middleware, stats = redirect(SiteRedirectMiddleware)
    first = Request(f"{SITE}/a")
    second = middleware.process_response(first, moved(first, "/b"))
    with pytest.raises(RedirectLoop, match=f"{SITE}/a -> {SITE}/b -> {SITE}/a#top"):
        middleware.process_response(second, moved(second, "/a#top"))
    assert stats.get_value("redirect/loop") == 1


def test_a_redirect_to_another_host_or_port_is_refused() -> None:
    middleware, stats = redirect(SiteRedirectMiddleware)
    for location in ("http://127.0.0.1:9000/a", "https://elsewhere.example/a"):
        request = Request(f"{SITE}/a")
        with pytest.raises(OffsiteRedirect, match=location):
            middleware.process_response(request, moved(request, location))
    assert stats.get_value("redirect/offsite") == 2


def test_too_many_redirects_are_refused_with_their_chain() -> None:
    middleware, stats = redirect(SiteRedirectMiddleware, REDIRECT_MAX_TIMES=2)
    request = Request(f"{SITE}/0")
    for n in range(1, 3):
        request = middleware.process_response(request, moved(request, f"/{n}"))
    with pytest.raises(TooManyRedirects, match=f"{SITE}/0 -> {SITE}/1 -> {SITE}/2"):
        middleware.process_response(request, moved(request, "/3"))
    assert stats.get_value("redirect/too_many") == 1


def test_a_meta_refresh_off_the_site_is_refused_too() -> None:
    middleware, _ = redirect(SiteMetaRefreshMiddleware)
    request = Request(f"{SITE}/a")
    page = HtmlResponse(
        request.url,
        body=b'<html><head><meta http-equiv="refresh" content="0; url=https://other.example/">'
        b"</head></html>",
        request=request,
    )
    with pytest.raises(OffsiteRedirect):
        middleware.process_response(request, page)


def _refresh_page(prefix: str, charset: str) -> HtmlResponse:
    """A page whose meta refresh comes after ``prefix`` (written in ``charset``)."""
    html = (
        f'<html><head><meta charset="{charset}"><title>{prefix}</title>'
        f'<meta http-equiv="refresh" content="0; url={SITE}/b"></head><body></body></html>'
    )
    request = Request(f"{SITE}/a")
    return HtmlResponse(
        request.url, body=html.encode(charset), request=request,
        headers={"Content-Type": f"text/html; charset={charset}"},
    )  # fmt: skip


@pytest.mark.parametrize("charset", ["utf-8", "windows-1252", "utf-16"])
def test_a_meta_refresh_in_the_first_4096_characters_is_followed(charset: str) -> None:
    # 3,900 two-byte characters in UTF-8: the refresh starts past byte 4,096 but within
    # Scrapy's 4,096 characters, so the byte check must not rule it out.
    middleware, _ = redirect(SiteMetaRefreshMiddleware)
    page = _refresh_page("é" * 3900, charset)
    result = middleware.process_response(page.request, page)
    assert isinstance(result, Request)
    assert result.url == f"{SITE}/b"


def test_a_meta_refresh_past_the_first_4096_characters_is_not_followed() -> None:
    middleware, _ = redirect(SiteMetaRefreshMiddleware)
    page = _refresh_page("a" * 20_000, "utf-8")
    assert middleware.process_response(page.request, page) is page


def test_a_page_without_refresh_is_passed_on_undecoded() -> None:
    # Decoding a page of megabytes to look at its first 4,096 characters is what the
    # byte check avoids: the response's text is never built.
    middleware, _ = redirect(SiteMetaRefreshMiddleware)
    request = Request(f"{SITE}/a")
    body = ("<html><head><title>Été</title></head><body>" + "<p>é</p>" * 50_000).encode()
    page = HtmlResponse(request.url, body=body, request=request,
                        headers={"Content-Type": "text/html; charset=utf-8"})  # fmt: skip
    assert middleware.process_response(request, page) is page
    assert page._cached_ubody is None
