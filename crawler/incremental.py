"""Which discovered articles a scheduled run fetches again.

A run fetches an article page when it is new, when the site announces a newer
modification than its last fetch (sitemap ``lastmod``, news publication date), or when it
was published inside the re-check window, during which edits and new comments are
expected. Everything else is skipped without a request. Known pages are asked for
conditionally (``If-None-Match``/``If-Modified-Since``), so an unchanged one costs a 304.

The state this needs is in the database (see ``Storage.known_articles``), so any machine
can run the next crawl.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from crawler.parsing.discovery import Link
from crawler.parsing.urls import article_id_from_url
from crawler.sites import RTL, Site


@dataclass(frozen=True)
class KnownArticle:
    """What the database holds about an article, as far as fetching it again goes."""

    identity: str
    published_at: datetime | None = None
    modified_at: datetime | None = None
    #: When a run last fetched and stored the article.
    last_seen_at: datetime | None = None
    etag: str | None = None
    http_last_modified: str | None = None


#: Refusals that say nothing about the page itself (the network had a bad moment, or the
#: server said "try later"): the page is asked for again on the next run. A 500 is not
#: here: a page that breaks the server tends to keep breaking it, and each try costs
#: RETRY_TIMES requests.
TRANSIENT_REASONS = frozenset(
    {"timeout", "connection_lost", "connection_failed", "dns_failed", "fetch_failed",
     "http_408", "http_429", "http_503"}
)  # fmt: skip


@dataclass(frozen=True)
class RejectedPage:
    """A page refused by an earlier run."""

    url: str
    rejected_at: datetime
    reason: str | None = None


class StoredState(Protocol):
    """What the database holds, as the spider asks it: the storage side provides it (the
    ``STORED_STATE`` setting names a factory taking the database URL), so the crawler
    reads stored state without importing the pipelines."""

    def known_articles(self, identities: Iterable[str]) -> dict[str, KnownArticle]: ...

    def known_urls(self, urls: Iterable[str]) -> set[str]: ...

    def rejected_pages(self, urls: Iterable[str]) -> dict[str, RejectedPage]: ...

    def last_sitemap_walk(self, spider: str, arguments: Mapping[str, Any]) -> datetime | None:
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class FetchPlan:
    """Why a page is fetched, and the conditional headers to fetch it with."""

    #: ``new``, ``new_url``, ``announced_change``, ``recheck`` or ``retry_rejected``.
    reason: str
    headers: dict[str, str]


def link_identity(canonical_url: str, site: Site = RTL) -> str:
    """The storage identity a canonical article URL will have (``Site.identity``)."""
    return site.identity(article_id_from_url(canonical_url), canonical_url) or canonical_url


def conditional_headers(known: KnownArticle) -> dict[str, str]:
    headers = {}
    if known.etag:
        headers["If-None-Match"] = known.etag
    if known.http_last_modified:
        headers["If-Modified-Since"] = known.http_last_modified
    return headers


def announced(link: Link) -> datetime | None:
    """The newest modification time a link carries (lastmod or publication date)."""
    times = [t for t in (link.lastmod, link.published_at) if t is not None]
    return max(times) if times else None


def plan_fetch(
    link: Link,
    known: KnownArticle | None,
    now: datetime,
    recheck_window: timedelta,
    rejected: RejectedPage | None = None,
    rejected_retry: timedelta = timedelta(hours=24),
    url_known: bool = True,
) -> FetchPlan | None:
    """The plan to fetch ``link``, or ``None`` to skip it this run.

    ``url_known`` is false when ``known`` is stored but not yet under this link's URL
    (a wire story republished in another section, say).
    """
    news = announced(link)
    if known is None:
        if rejected is None:
            return FetchPlan("new", {})
        # A page refused recently is not asked for on every run; a newer announcement or
        # the end of the back-off brings it back (it may have been fixed).
        if (
            rejected.reason in TRANSIENT_REASONS
            or (news and news > rejected.rejected_at)
            or now - rejected.rejected_at >= rejected_retry
        ):
            return FetchPlan("retry_rejected", {})
        return None
    headers = conditional_headers(known)
    if not url_known:
        # Fetched once so the URL is recorded as an alias; conditional, so an unchanged
        # copy costs a 304.
        return FetchPlan("new_url", headers)
    # Compared with the time of our last fetch, as a site may bump lastmod for changes the
    # page does not date; and with the page's own update time, so a site clock running
    # ahead of ours does not make the same edit look new on every run.
    marks = [t for t in (known.last_seen_at, known.modified_at) if t is not None]
    if news is not None and (not marks or news > max(marks)):
        return FetchPlan("announced_change", headers)
    if known.published_at is not None and now - known.published_at <= recheck_window:
        return FetchPlan("recheck", headers)
    return None
