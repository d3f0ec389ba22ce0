"""The spider of a news site of the RTL platform: decides which pages to fetch.

One spider class per site definition (``crawler.sites``) is made in
``crawler.spiders.sites``: ``scrapy crawl rtl``, ``scrapy crawl funradio``.

Parsing lives in ``crawler.parsing``; this module only schedules requests and hands
the parsed article, with the comments gathered from its comment pages, to the pipelines.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.misc import load_object
from sqlalchemy.exc import SQLAlchemyError
from twisted.python.failure import Failure

from crawler.config import database_url
from crawler.distributed import WORKER_ARGUMENT, worker_name
from crawler.fetch_errors import fetch_failure
from crawler.incremental import FetchPlan, link_identity, plan_fetch
from crawler.items import ArticleItem, RejectedPageItem
from crawler.parse_pool import ParsePool
from crawler.parsing.comments import parse_comments
from crawler.parsing.dates import parse_date
from crawler.parsing.discovery import (
    Link,
    parse_feed,
    parse_listing,
    sitemaps_from_robots,
)
from crawler.parsing.page import parse_page
from crawler.parsing.urls import (
    article_id_from_url,
    canonicalize_url,
    comments_url,
    is_article_url,
    strip_tracking,
)
from crawler.sitemaps import SitemapWalk, batched
from crawler.sites import Site


def _listed(settings: Any, name: str, default: tuple[str, ...]) -> list[str]:
    return settings.getlist(name) if settings.get(name) is not None else list(default)


class SiteSpider(scrapy.Spider):
    """Crawl articles and their reader comments from one site of the RTL platform
    (``site``, a ``crawler.sites.Site``).

    Arguments (``-a name=value``):

    - ``url``: crawl this one article only;
    - ``section``: walk this section's listing only (e.g. ``international``);
    - ``since``: ``YYYY-MM-DD``; skip articles published before that day.

    With ``RTL_INCREMENTAL`` on (the default), articles already in the database are
    fetched again only when changed or recent (``crawler.incremental``).
    """

    #: The site this spider crawls; set on each site's class.
    site: Site

    def __init__(
        self,
        url: str | None = None,
        section: str | None = None,
        since: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        #: The arguments as given (and, in a distributed crawl, the worker's name): with
        #: the spider name, the job a run lock is taken on.
        self.run_arguments = {
            name: value
            for name, value in (("url", url), ("section", section), ("since", since))
            if value
        }
        self.article_url = url
        self.section = section
        #: Where pages are parsed (``PARSE_PROCESSES``, ``PARSE_THREADS``).
        self.parse_pool = ParsePool()
        try:
            self.since: date | None = date.fromisoformat(since) if since else None
        except ValueError as exc:
            raise ValueError(f"since must be a date as YYYY-MM-DD, got {since!r}") from exc

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> SiteSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        site = spider.site
        spider.base_url = (site.setting(settings, "BASE_URL") or site.base_url).rstrip("/")
        parts = urlsplit(spider.base_url)
        spider.base_netloc = parts.netloc
        # The offsite filter compares host names only; _on_site checks the port too.
        spider.allowed_domains = [parts.hostname]
        # Set (even to an empty list) they replace the site's; unset, the site's apply.
        spider.feed_paths = _listed(settings, f"{site.name.upper()}_FEED_PATHS", site.feed_paths)
        spider.sections = _listed(settings, f"{site.name.upper()}_SECTIONS", site.sections)
        spider.max_listing_pages = settings.getint("RTL_MAX_LISTING_PAGES")
        spider.max_comment_pages = settings.getint("RTL_MAX_COMMENT_PAGES")
        spider.incremental = settings.getbool("RTL_INCREMENTAL", True)
        spider.recheck_window = timedelta(days=settings.getfloat("RTL_RECHECK_DAYS", 7))
        spider.rejected_retry = timedelta(hours=settings.getfloat("RTL_REJECTED_RETRY_HOURS", 24))
        spider.database_url = database_url(settings)
        #: Opens the stored state for incremental runs (``STORED_STATE``: the storage side).
        spider.open_stored_state = load_object(settings.get("STORED_STATE"))
        worker = worker_name(settings)
        if worker:
            # A distributed worker is a run of its own, under its own lock.
            spider.run_arguments[WORKER_ARGUMENT] = worker
        # What the database knows, for incremental runs (not ``state``: Scrapy's JOBDIR
        # support owns that attribute).
        spider.stored = None
        spider.parse_pool = ParsePool(
            processes=settings.getint("PARSE_PROCESSES"),
            threads=settings.getint("PARSE_THREADS"),
            crawler=crawler,
        )
        crawler.signals.connect(spider._resume_sitemaps, signal=signals.spider_idle)
        return spider

    def _open_stored(self) -> None:
        # The store pipeline has opened (and migrated) the database before start() runs.
        if self.incremental and self.stored is None:
            self.stored = self.open_stored_state(self.database_url)

    def closed(self, reason: str) -> None:
        self.parse_pool.close()
        if self.stored is not None:
            self.stored.close()
            self.stored = None

    # --- Discovery ----------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        if self.article_url:
            # Asked for by hand: fetched whatever the database says.
            url = canonicalize_url(self.article_url, self.base_url)
            if not (self._on_site(url) and is_article_url(url)):
                raise ValueError(f"{self.article_url} is not an article of {self.base_url}")
            yield self._fetch_article(url, Link(self.article_url), FetchPlan("forced", {}))
            return
        self._open_stored()
        sections = [self.section] if self.section else self.sections
        for section in sections:
            yield self._listing_request(f"{self.base_url}/actu/{section}", 1)
        if self.section:
            return
        yield scrapy.Request(f"{self.base_url}/robots.txt", callback=self.parse_robots)
        for path in self.feed_paths:
            yield scrapy.Request(self.base_url + path, callback=self.parse_feed)

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        self.sitemaps.add([url for url in sitemaps_from_robots(response.text)
                           if self._on_site(url)])  # fmt: skip
        yield from self.sitemaps.next_requests()

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        """Requests for what a sitemap lists, made as its entries are parsed: a urlset's
        articles; then the next sitemap of the walk (``crawler.sitemaps``), an index's
        (those not skipped) taking their turn after the sitemaps listed before them."""
        self.sitemaps.read_one()
        entries = self.sitemaps.open(response)
        if entries is not None and entries.kind == "sitemapindex":
            on_site = (link for link in entries if self._on_site(link.url))
            self.sitemaps.add(link.url for link in self.sitemaps.wanted(on_site))
        elif entries is not None:
            for links in batched(self.sitemaps.urls(entries)):
                yield from self._article_requests(links)
        # Once this sitemap's articles are queued, ahead of it: one sitemap's requests
        # at a time in memory, not those of every sitemap of a backfill's index.
        yield from self.sitemaps.next_requests()

    def sitemap_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        self.sitemaps.read_one()
        self.sitemaps.failed(failure)
        yield from self.sitemaps.next_requests()

    def _resume_sitemaps(self) -> None:
        """``spider_idle``: carry on with the sitemap walk if it stalled (see
        ``SitemapWalk.resume``); nothing to do once it is over."""
        if "sitemaps" not in self.__dict__:
            return
        requests = self.sitemaps.resume()
        for request in requests:
            self.crawler.engine.crawl(request)
        if requests:
            raise DontCloseSpider

    @functools.cached_property
    def sitemaps(self) -> SitemapWalk:
        """Size cap, skipping and counts of this run's sitemap walk (``crawler.sitemaps``)."""
        return SitemapWalk(self)

    def parse_feed(self, response: TextResponse) -> Iterator[scrapy.Request]:
        yield from self._article_requests(parse_feed(response))

    def parse_listing(self, response: TextResponse, page: int) -> Iterator[scrapy.Request]:
        links, next_url = parse_listing(response)
        # Listing dates are often relative ("il y a 3 heures") and say nothing about
        # edits: good enough for ``since``, not as an announcement of change.
        yield from self._article_requests(links, announces_changes=False)
        if next_url and page < self.max_listing_pages and self._on_site(next_url):
            yield self._listing_request(next_url, page + 1)

    def _listing_request(self, url: str, page: int) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_listing, cb_kwargs={"page": page})

    def _article_requests(
        self, links: Iterable[Link], announces_changes: bool = True
    ) -> Iterator[scrapy.Request]:
        """Requests for the links worth fetching this run, one database lookup per page."""
        candidates: dict[str, Link] = {}
        for link in links:
            url = canonicalize_url(link.url, self.base_url)
            if not (self._on_site(url) and is_article_url(url)):
                continue
            if self._too_old(link.published_at):
                self.crawler.stats.inc_value("spider/skipped_before_since")
                continue
            # Variants of one article (tracking strings, /amp, fragments) collapse to one
            # request; the link as announced is kept as an alias of the article.
            if not announces_changes:
                link = dataclasses.replace(link, lastmod=None, published_at=None)
            candidates.setdefault(url, link)
        if not candidates:
            return
        if self.stored is None:
            for url, link in candidates.items():
                yield self._fetch_article(url, link, FetchPlan("new", {}))
            return
        identities = {url: link_identity(url, self.site) for url in candidates}
        try:
            known = self.stored.known_articles(identities.values())
            rejected = self.stored.rejected_pages(
                u for u in candidates if identities[u] not in known
            )
            known_urls = self.stored.known_urls(u for u in candidates if identities[u] in known)
        except SQLAlchemyError as exc:
            # Without the stored state every link looks new: fetching too much is safe
            # (writes are idempotent), skipping would lose articles.
            self.crawler.stats.inc_value("incremental/state_unavailable")
            self.logger.warning("Database unavailable for the incremental state: %s",
                                type(exc).__name__)  # fmt: skip
            known, rejected, known_urls = {}, {}, set()
        now = datetime.now(UTC)
        for url, link in candidates.items():
            plan = plan_fetch(
                link, known.get(identities[url]), now, self.recheck_window,
                rejected.get(url), self.rejected_retry, url_known=url in known_urls,
            )  # fmt: skip
            if plan is None:
                self.crawler.stats.inc_value("incremental/skipped")
                continue
            self.crawler.stats.inc_value(f"incremental/fetch/{plan.reason}")
            self.logger.debug("Fetching %s (%s)", url, plan.reason)
            yield self._fetch_article(url, link, plan)

    def _fetch_article(self, url: str, link: Link, plan: FetchPlan) -> scrapy.Request:
        return scrapy.Request(
            url,
            headers=plan.headers,
            callback=self.parse_article,
            errback=self.article_failed,
            meta={
                "discovered_as": strip_tracking(link.url),
                "fetch_reason": plan.reason,
                # A 304 answers a conditional request: the stored text is still right.
                "handle_httpstatus_list": [304],
            },
        )

    # --- Articles and comments ------------------------------------------------------

    async def parse_article(self, response: Response) -> AsyncIterator[Any]:
        if response.status == 304:
            self.crawler.stats.inc_value("incremental/not_modified")
            url = response.request.url if response.request else response.url
            item = ArticleItem(
                url=url,
                site=self.site.name,
                canonical_url=url,
                article_id=article_id_from_url(url),
                not_modified=True,
            )
            self._add_fetch_metadata(item, response)
            yield self._comments_request(item, self._comments_url(url), 1)
            return
        if not isinstance(response, TextResponse):
            yield RejectedPageItem(
                url=response.url,
                reason="not_html",
                detail=f"content type {response.headers.get('Content-Type', b'').decode()}",
                http_status=response.status,
            )
            return
        item = await self.parse_pool.parse(
            parse_page, response, base_url=self.base_url, site=self.site.name
        )
        if isinstance(item, RejectedPageItem):
            # A "page not found", bot challenge or listing served with status 200.
            yield item
            return
        if self._too_old(parse_date(item.published_at) if item.published_at else None):
            self.crawler.stats.inc_value("spider/skipped_before_since")
            return
        self._add_fetch_metadata(item, response)
        first_page = self._comments_url(item.canonical_url or response.url)
        yield self._comments_request(item, first_page, 1)

    async def parse_comments(
        self, response: TextResponse, item: ArticleItem, page: int
    ) -> AsyncIterator[Any]:
        comment_page = await self.parse_pool.parse(parse_comments, response)
        item.comments.extend(comment_page.comments)
        self.crawler.stats.inc_value("spider/comment_pages")
        next_url = comment_page.next_url
        if next_url and page < self.max_comment_pages and self._on_site(next_url):
            yield self._comments_request(item, next_url, page + 1)
        else:
            yield item

    def _comments_request(self, item: ArticleItem, url: str, page: int) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_comments,
            errback=self.comments_failed,
            cb_kwargs={"item": item, "page": page},
        )

    def comments_failed(self, failure: Failure) -> Iterator[ArticleItem]:
        # The article is worth storing with the comments read so far; the next crawl
        # of the article picks up the rest.
        self.crawler.stats.inc_value("spider/comment_pages_failed")
        self.logger.warning("comment page failed: %s", failure.getErrorMessage())
        yield failure.request.cb_kwargs["item"]

    def article_failed(self, failure: Failure) -> Iterator[RejectedPageItem]:
        """Record an article page the site did not give (after the retries): HTTP errors
        as ``http_<status>``, the rest as ``crawler.fetch_errors`` names them (``timeout``,
        ``connection_lost``, ``redirect_loop``, ``offsite_redirect``, ...)."""
        request = failure.request
        # Under the URL asked for, before redirects: the one the next run looks up.
        url = (request.meta.get("redirect_urls") or [request.url])[0]
        if failure.check(HttpError):
            status = failure.value.response.status
            yield RejectedPageItem(
                url=url, reason=f"http_{status}", detail=f"HTTP {status}",
                http_status=status,
            )
            return
        refused = fetch_failure(failure)
        if refused is None:
            # Refused before fetching (robots.txt): nothing was read to reject.
            return
        reason, detail = refused
        self.crawler.stats.inc_value(f"spider/article_failed/{reason}")
        yield RejectedPageItem(url=url, reason=reason, detail=detail)

    # --- Helpers ------------------------------------------------------------------

    @staticmethod
    def _add_fetch_metadata(item: ArticleItem, response: Response) -> None:
        """The validators the next run sends back with a conditional request."""
        etag = response.headers.get("ETag")
        modified = response.headers.get("Last-Modified")
        item.etag = etag.decode("latin-1") if etag else None
        item.http_last_modified = modified.decode("latin-1") if modified else None

    def _comments_url(self, article_url: str) -> str:
        return comments_url(article_url, suffix=self.site.comments_suffix)

    def _on_site(self, url: str) -> bool:
        return urlsplit(url).netloc == self.base_netloc

    def _too_old(self, published: datetime | None) -> bool:
        return bool(self.since and published and published.date() < self.since)
