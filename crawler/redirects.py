"""Redirects that stay on the site and go somewhere: no loops, no other hosts.

Scrapy's redirect middlewares follow any ``Location``. A loop (A -> B -> A) then ends in
the duplicate filter, which drops the page without a word, and a redirect to another
host is either followed (same host name, other port) or dropped by the offsite filter as
if nothing had been asked for. These subclasses refuse such redirects with an
:class:`~scrapy.exceptions.IgnoreRequest` subclass instead, so the request's errback
hears of it and the page is recorded as rejected (``crawler.fetch_errors``).

"On the site" means the scheme-less ``host:port`` of the spider's ``base_netloc`` (the
netloc of ``RTL_BASE_URL``), the same test the spider applies to the links it follows.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response
from w3lib.html import get_meta_refresh


class RedirectRefused(IgnoreRequest):
    """A redirect that was not followed; ``reason`` names why (a ``rejected_pages`` reason)."""

    reason = "redirect_refused"


class RedirectLoop(RedirectRefused):
    reason = "redirect_loop"


class OffsiteRedirect(RedirectRefused):
    reason = "offsite_redirect"


class TooManyRedirects(RedirectRefused):
    reason = "too_many_redirects"


def _without_fragment(url: str) -> str:
    return url.split("#", 1)[0]


class _SiteRedirectMixin:
    crawler: Any

    def process_response(self, request: Request, response: Response) -> Request | Response:
        try:
            result = super().process_response(request, response)  # type: ignore[misc]
        except IgnoreRequest as exc:
            # The only IgnoreRequest Scrapy's redirect middlewares raise.
            self.crawler.stats.inc_value("redirect/too_many")
            chain = " -> ".join([*request.meta.get("redirect_urls", []), request.url])
            raise TooManyRedirects(f"{exc}: {chain}") from exc
        if not isinstance(result, Request):
            return result
        chain = [*request.meta.get("redirect_urls", []), request.url]
        target = _without_fragment(result.url)
        if target in {_without_fragment(url) for url in chain}:
            self.crawler.stats.inc_value("redirect/loop")
            raise RedirectLoop(f"redirect loop: {' -> '.join([*chain, result.url])}")
        site = getattr(self.crawler.spider, "base_netloc", None)
        if site and urlsplit(result.url).netloc != site:
            self.crawler.stats.inc_value("redirect/offsite")
            raise OffsiteRedirect(
                f"redirect to another site, not followed: {request.url} -> {result.url}"
            )
        return result


class SiteRedirectMiddleware(_SiteRedirectMixin, RedirectMiddleware):
    """``RedirectMiddleware`` that refuses loops and redirects off the site."""


#: How much of a page is searched for a refresh: Scrapy reads the first 4,096
#: characters, which UTF-8 writes in at most four times as many bytes.
REFRESH_SCAN_BYTES = 4 * 4096


class SiteMetaRefreshMiddleware(_SiteRedirectMixin, MetaRefreshMiddleware):
    """``MetaRefreshMiddleware`` that refuses loops and refreshes off the site.

    Scrapy decodes the whole page to look for a refresh in its first 4,096 characters;
    a page of megabytes costs more to decode than to parse. The bytes rule a refresh out
    first (w3lib scans them when the encoding allows it), and only a page that may hold
    one goes to Scrapy's check.
    """

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if isinstance(response, HtmlResponse) and not _may_refresh(response, self._ignore_tags):
            return response
        return super().process_response(request, response)


def _may_refresh(response: HtmlResponse, ignore_tags: list[str]) -> bool:
    try:
        interval, _ = get_meta_refresh(
            response.body, response.url, response.encoding, ignore_tags,
            max_scan=REFRESH_SCAN_BYTES,
        )  # fmt: skip
    except (UnicodeDecodeError, LookupError):
        # A page w3lib cannot scan as bytes and cannot decode strictly: Scrapy decides.
        return True
    return interval is not None
