"""Exponential back-off between retries, honouring ``Retry-After``, without blocking.

Scrapy's ``RetryMiddleware`` schedules a retry at once (Scrapy 2.19 has no back-off).
This downloader middleware makes the n-th retry of a request wait

    min(RETRY_BACKOFF_MAX, max(RETRY_BACKOFF_BASE * 2 ** (n - 1), Retry-After))

seconds before it is downloaded, ``Retry-After`` being what the failed answer asked for
(seconds or an HTTP date; 503 and 429 answers carry it). The wait is an asynchronous
sleep: the request holds no download slot meanwhile and every other request goes on.

It must sit between ``RetryMiddleware`` (550) and the downloader, so that it sees an
answer before ``RetryMiddleware`` copies the request into its retry: 560.

Stats: ``retry/backoff_count``, ``retry/backoff_seconds`` (total waited),
``retry/retry_after_count`` (waits set by the server's ``Retry-After``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Self

from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import sleep

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

#: ``Request.meta`` key: the seconds the last failed answer's ``Retry-After`` asked for.
RETRY_AFTER_META = "backoff_retry_after"


def parse_retry_after(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or HTTP date)."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def backoff_delay(retry: int, base: float, cap: float, retry_after: float | None) -> float:
    """Seconds to wait before the ``retry``-th retry (1 for the first)."""
    delay = base * 2 ** max(retry - 1, 0)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return min(delay, cap)


class RetryBackoffMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not settings.getbool("RETRY_ENABLED"):
            raise NotConfigured
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)
        if self.cap <= 0:
            raise NotConfigured
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        retry = request.meta.get("retry_times", 0)
        if not retry:
            return
        retry_after = request.meta.get(RETRY_AFTER_META)
        delay = backoff_delay(retry, self.base, self.cap, retry_after)
        if delay <= 0:
            return
        self.stats.inc_value("retry/backoff_count")
        self.stats.inc_value("retry/backoff_seconds", round(delay, 3))
        if retry_after is not None and retry_after > backoff_delay(retry, self.base, self.cap, 0):
            self.stats.inc_value("retry/retry_after_count")
        await sleep(delay)

    def process_response(self, request: Request, response: Response) -> Response:
        # RetryMiddleware copies the request's meta into the retry it makes of it.
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if retry_after is None:
            request.meta.pop(RETRY_AFTER_META, None)
        else:
            request.meta[RETRY_AFTER_META] = retry_after
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        request.meta.pop(RETRY_AFTER_META, None)
        return None
