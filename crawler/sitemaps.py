"""How the spider walks sitemaps: opening them under a size cap, choosing which entries of
an index to read this run, and counting what it did in the run's stats.

A sitemap that cannot be read (too large once decompressed, broken, not a sitemap, an
HTTP error, a network failure) is not an article page, so it is not a refused page in
``rejected_pages`` (whose counts feed the coverage alarm): it is logged at WARNING level
as ``Sitemap not read (<reason>): <url> (<detail>)`` and counted in the stats, which
``crawl_runs.stats`` keeps (:data:`NOT_READ` and ``sitemap/not_read/<reason>``).

Incremental runs skip an index entry whose ``lastmod`` says it has not changed since the
last run of the same job that read every sitemap it asked for, unless it may list
articles still inside the re-check window (see :func:`skip_reason`).

The sitemaps robots.txt and the indexes list are read one after another: the next one is
asked for once the one before has been read and its articles queued, at a priority below
them, so it is fetched when the queue holds nothing else. A crawl thus holds the requests
of one sitemap at a time (a thousand articles in a news sitemap) instead of those of every
sitemap the downloader had room for at once (16,000 requests at the start of a crawl with
16 requests at a time, before). The lists wait as iterators over the index being read, so
an index of 50,000 sitemaps is never a list either. In a distributed crawl
(``crawler.distributed``) another worker may read the sitemap asked for, and the queue is
in Redis: there an index's sitemaps are all asked for at once, at that lower priority.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils._compression import _DecompressionMaxSizeExceeded
from sqlalchemy.exc import SQLAlchemyError
from twisted.python.failure import Failure

from crawler.distributed import redis_url
from crawler.fetch_errors import fetch_failure
from crawler.parsing.discovery import Link, SitemapEntries, SitemapError, sitemap_body

if TYPE_CHECKING:
    from crawler.spiders.sites import RtlSpider

#: Sitemaps (indexes and urlsets) opened and parsed this run.
READ = "sitemap/read"
#: Sitemaps asked for but not read, for any reason; ``NOT_READ + "/<reason>"`` per reason.
NOT_READ = "sitemap/not_read"
#: Page URLs read from urlsets.
URLS = "sitemap/urls"
#: Index entries not asked for: unchanged since the last complete walk.
SKIPPED_UNCHANGED = "sitemap/skipped_unchanged"
#: Index entries not asked for: last changed before the ``since`` argument's day.
SKIPPED_BEFORE_SINCE = "sitemap/skipped_before_since"

#: Links of a urlset looked up in the database together (one query per batch).
URL_BATCH = 500
#: Sitemaps are fetched after the pages already queued (Scrapy's default priority is 0).
PRIORITY = -1


def skip_reason(
    lastmod: datetime | None,
    last_walk: datetime | None,
    now: datetime,
    recheck_window: timedelta,
    since: date | None = None,
) -> str | None:
    """Why an index entry need not be read this run, or ``None`` to read it.

    ``unchanged``: its ``lastmod`` is before ``last_walk`` (the start of the job's last
    run that read all its sitemaps), so that run read it as it is now, and also before
    the re-check window: a sitemap changes when an article is added to it, so one
    unchanged for longer than the window lists no article still re-read for its edits
    and new comments. ``before_since``: it last changed before the ``since`` day, so
    every article it lists was published before. No ``lastmod``: read.
    """
    if lastmod is None:
        return None
    # The day as the site writes it, as ``since`` is compared with publication days.
    if since is not None and lastmod.date() < since:
        return "before_since"
    if last_walk is not None and lastmod < last_walk and lastmod < now - recheck_window:
        return "unchanged"
    return None


def batched(links: Iterable[Link], size: int = URL_BATCH) -> Iterator[list[Link]]:
    """``links`` in lists of at most ``size``, read from the iterable as they are needed."""
    iterator = iter(links)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


class SitemapWalk:
    """The sitemap side of one run of the ``rtl`` spider (see the module docstring)."""

    def __init__(self, spider: RtlSpider) -> None:
        self.spider = spider
        self.stats = spider.crawler.stats
        #: Cap on a sitemap's size, downloaded and decompressed (``RTL_SITEMAP_MAXSIZE``).
        self.max_size = spider.settings.getint("RTL_SITEMAP_MAXSIZE")
        self._last_walk: datetime | None = None
        self._looked_up = False
        #: One sitemap at a time, except in a distributed crawl (see the module docstring).
        self.one_at_a_time = not redis_url(spider.settings)
        #: Sitemaps listed and not asked for yet: one iterator per list, read as needed.
        self._pending: deque[Iterator[str]] = deque()
        #: Every sitemap asked for: one request each, even when listed twice.
        self._asked: set[str] = set()
        #: A sitemap asked for whose answer has not been read yet.
        self._reading = False

    def add(self, urls: Iterable[str]) -> None:
        """Sitemaps to read (``urls`` is read lazily, as the walk gets to them)."""
        self._pending.append(iter(urls))

    def next_requests(self) -> Iterator[scrapy.Request]:
        """The next sitemap's request, unless one is being read; in a distributed crawl,
        every sitemap listed so far."""
        while not (self.one_at_a_time and self._reading):
            url = self._next_url()
            if url is None:
                return
            self._reading = True
            yield self.request(url)

    def read_one(self) -> None:
        """The sitemap asked for has been answered (read, refused or failed)."""
        self._reading = False

    def resume(self) -> list[scrapy.Request]:
        """On an idle spider: the next sitemap, if the walk stalled with sitemaps left
        (an answer that never reached the spider, as a redirect to a sitemap already
        read, which the duplicate filter drops; or a sitemap callback that raised)."""
        self._reading = False
        return list(self.next_requests())

    def _next_url(self) -> str | None:
        while self._pending:
            for url in self._pending[0]:
                if url not in self._asked:
                    self._asked.add(url)
                    return url
            self._pending.popleft()
        return None

    def request(self, url: str, priority: int = PRIORITY) -> scrapy.Request:
        """The request for a sitemap. ``download_maxsize`` caps the download and the
        decompression of ``Content-Encoding: gzip`` answers (Scrapy's compression
        middleware reads it); :func:`sitemap_body` applies the same cap to gzip files."""
        return scrapy.Request(
            url,
            callback=self.spider.parse_sitemap,
            errback=self.spider.sitemap_failed,
            meta={"download_maxsize": self.max_size},
            priority=priority,
        )

    def open(self, response: Response) -> SitemapEntries | None:
        """The entries of a fetched sitemap, or ``None`` (logged and counted) when it is
        not read."""
        try:
            entries = SitemapEntries(sitemap_body(response, self.max_size))
        except SitemapError as exc:
            self.not_read(response.url, exc.reason, str(exc))
            return None
        if entries.kind not in ("sitemapindex", "urlset"):
            found = f"<{entries.kind}> document" if entries.kind else "no XML"
            self.not_read(response.url, "not_a_sitemap", f"{found} instead of a sitemap")
            return None
        self.stats.inc_value(READ)
        return entries

    def wanted(self, links: Iterable[Link]) -> Iterator[Link]:
        """The entries of an index worth reading this run; the others are counted."""
        now = datetime.now(UTC)
        for link in links:
            reason = skip_reason(
                link.lastmod, self._reference(link), now, self.spider.recheck_window,
                self.spider.since,
            )  # fmt: skip
            if reason is None:
                yield link
                continue
            self.stats.inc_value(
                SKIPPED_UNCHANGED if reason == "unchanged" else SKIPPED_BEFORE_SINCE
            )
            self.spider.logger.debug("Sitemap %s skipped (%s)", link.url, reason)

    def urls(self, links: Iterable[Link]) -> Iterator[Link]:
        """``links`` as they come, counted."""
        for link in links:
            self.stats.inc_value(URLS)
            yield link

    def failed(self, failure: Failure) -> None:
        """Log and count a sitemap request that got no usable answer."""
        error = failure.value
        if isinstance(error, HttpError):
            status = error.response.status
            reason, detail = f"http_{status}", f"HTTP {status}"
        elif isinstance(error, IgnoreRequest):
            # Scrapy's compression middleware refuses a Content-Encoding body that
            # decompresses past download_maxsize; robots.txt refusals land here too.
            cause = error.__cause__
            if isinstance(cause, _DecompressionMaxSizeExceeded):
                reason = "too_large"
                detail = (f"Content-Encoding went past the cap of {cause.max_size} B once "
                          f"decompressed ({cause.decompressed_size} B when it stopped)")
            else:
                reason, detail = "ignored", str(error)
        else:
            reason, detail = fetch_failure(failure) or ("fetch_failed", str(error))
        self.not_read(failure.request.url, reason, detail)

    def not_read(self, url: str, reason: str, detail: str) -> None:
        self.stats.inc_value(NOT_READ)
        self.stats.inc_value(f"{NOT_READ}/{reason}")
        self.spider.logger.warning("Sitemap not read (%s): %s (%s)", reason, url, detail)

    def _reference(self, link: Link) -> datetime | None:
        """The start of the job's last complete sitemap walk; looked up once, and only
        when an entry has a ``lastmod`` to compare with it."""
        if link.lastmod is None or self._looked_up:
            return self._last_walk
        self._looked_up = True
        stored = self.spider.stored
        if stored is None:
            # Not incremental (RTL_INCREMENTAL=False): every sitemap is read.
            return None
        try:
            self._last_walk = stored.last_sitemap_walk(self.spider.name,
                                                       self.spider.run_arguments)  # fmt: skip
        except SQLAlchemyError as exc:
            # Reading every sitemap is safe; skipping on a guess could lose articles.
            self.stats.inc_value("incremental/state_unavailable")
            self.spider.logger.warning("Database unavailable for the sitemap state: %s",
                                       type(exc).__name__)  # fmt: skip
        return self._last_walk
