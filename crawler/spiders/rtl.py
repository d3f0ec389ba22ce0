"""The ``rtl`` spider: decides which pages of an RTL-style site to fetch.

Parsing lives in ``crawler.parsing``; this module only schedules requests and hands
the parsed article, with the comments gathered from its comment pages, to the pipelines.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.items import ArticleItem, RejectedPageItem
from crawler.parsing.article import parse_article
from crawler.parsing.comments import parse_comments
from crawler.parsing.dates import parse_date
from crawler.parsing.discovery import (
    Link,
    parse_feed,
    parse_listing,
    parse_sitemap,
    sitemaps_from_robots,
)
from crawler.parsing.urls import canonicalize_url, comments_url, is_article_url


class RtlSpider(scrapy.Spider):
    """Crawl articles and their reader comments from an RTL-style news site.

    Arguments (``-a name=value``):

    - ``url``: crawl this one article only;
    - ``section``: walk this section's listing only (e.g. ``international``);
    - ``since``: ``YYYY-MM-DD``; skip articles published before that day.
    """

    name = "rtl"

    def __init__(
        self,
        url: str | None = None,
        section: str | None = None,
        since: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.article_url = url
        self.section = section
        try:
            self.since: date | None = date.fromisoformat(since) if since else None
        except ValueError as exc:
            raise ValueError(f"since must be a date as YYYY-MM-DD, got {since!r}") from exc

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> RtlSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.base_url = settings.get("RTL_BASE_URL").rstrip("/")
        parts = urlsplit(spider.base_url)
        spider.base_netloc = parts.netloc
        # The offsite filter compares host names only; the port is checked in _follow.
        spider.allowed_domains = [parts.hostname]
        spider.feed_paths = settings.getlist("RTL_FEED_PATHS")
        spider.sections = settings.getlist("RTL_SECTIONS")
        spider.max_listing_pages = settings.getint("RTL_MAX_LISTING_PAGES")
        spider.max_comment_pages = settings.getint("RTL_MAX_COMMENT_PAGES")
        return spider

    # --- Discovery ----------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        if self.article_url:
            request = self._article_request(Link(self.article_url))
            if request is None:
                raise ValueError(f"{self.article_url} is not an article of {self.base_url}")
            yield request
            return
        sections = [self.section] if self.section else self.sections
        for section in sections:
            yield self._listing_request(f"{self.base_url}/actu/{section}", 1)
        if self.section:
            return
        yield scrapy.Request(f"{self.base_url}/robots.txt", callback=self.parse_robots)
        for path in self.feed_paths:
            yield scrapy.Request(self.base_url + path, callback=self.parse_feed)

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        for url in sitemaps_from_robots(response.text):
            if self._on_site(url):
                yield scrapy.Request(url, callback=self.parse_sitemap)

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        sitemap = parse_sitemap(response.body)
        for link in sitemap.links:
            if sitemap.is_index:
                if self._on_site(link.url):
                    yield scrapy.Request(link.url, callback=self.parse_sitemap)
            elif request := self._article_request(link):
                yield request

    def parse_feed(self, response: TextResponse) -> Iterator[scrapy.Request]:
        for link in parse_feed(response):
            if request := self._article_request(link):
                yield request

    def parse_listing(self, response: TextResponse, page: int) -> Iterator[scrapy.Request]:
        links, next_url = parse_listing(response)
        for link in links:
            if request := self._article_request(link):
                yield request
        if next_url and page < self.max_listing_pages and self._on_site(next_url):
            yield self._listing_request(next_url, page + 1)

    def _listing_request(self, url: str, page: int) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_listing, cb_kwargs={"page": page})

    def _article_request(self, link: Link) -> scrapy.Request | None:
        url = canonicalize_url(link.url, self.base_url)
        if not (self._on_site(url) and is_article_url(url)):
            return None
        if self._too_old(link.published_at):
            self.crawler.stats.inc_value("spider/skipped_before_since")
            return None
        # Variants of one article (tracking strings, /amp, fragments) collapse to one
        # request; the link as announced is kept as an alias of the article.
        return scrapy.Request(
            url,
            callback=self.parse_article,
            errback=self.article_failed,
            meta={"discovered_as": link.url},
        )

    # --- Articles and comments ------------------------------------------------------

    def parse_article(self, response: Response) -> Iterator[Any]:
        if not isinstance(response, TextResponse):
            yield RejectedPageItem(
                url=response.url,
                reason="not_html",
                detail=f"content type {response.headers.get('Content-Type', b'').decode()}",
                http_status=response.status,
            )
            return
        item = parse_article(response, base_url=self.base_url)
        if self._too_old(parse_date(item.published_at) if item.published_at else None):
            self.crawler.stats.inc_value("spider/skipped_before_since")
            return
        yield self._comments_request(item, comments_url(item.canonical_url or response.url), 1)

    def parse_comments(
        self, response: TextResponse, item: ArticleItem, page: int
    ) -> Iterator[Any]:
        comment_page = parse_comments(response)
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
        request = failure.request
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            # Refused before fetching (robots.txt, size cap): nothing was read to reject.
            return
        if failure.check(HttpError):
            status = failure.value.response.status
            yield RejectedPageItem(
                url=request.url, reason=f"http_{status}", detail=f"HTTP {status}",
                http_status=status,
            )
            return
        yield RejectedPageItem(
            url=request.url,
            reason="fetch_failed",
            detail=f"{failure.type.__name__}: {failure.getErrorMessage()}",
        )

    # --- Helpers ------------------------------------------------------------------

    def _on_site(self, url: str) -> bool:
        return urlsplit(url).netloc == self.base_netloc

    def _too_old(self, published: datetime | None) -> bool:
        return bool(self.since and published and published.date() < self.since)
