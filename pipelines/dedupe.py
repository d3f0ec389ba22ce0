"""Deduplication of articles within a crawl and of the comments of each article.

Across crawls, the storage upsert on the article identity and on the comment id keeps one
row each; this stage handles what one crawl sees twice before anything is stored.
"""

from __future__ import annotations

import sys
from typing import Any

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.items import ArticleItem
from crawler.sites import site_named
from pipelines.nearduplicates import repeated_comments


def article_identity(item: ArticleItem) -> str:
    """The key one article is stored under (``crawler.sites.Site.identity``)."""
    return site_named(item.site).identity(item.article_id, item.canonical_url) or item.url


def dedupe_comments(comments: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int, int]:
    """Keep one entry per comment id and mark exact repeats.

    A comment served on two pages (newest-first paging shifts between requests) is kept
    once, in its first position. A different comment by the same named author with the
    same text is kept too; every copy but the first posted gets ``duplicate_of`` set to
    that first posting's id (``pipelines.nearduplicates.repeated_comments``), whatever
    order the pages list them in. Storage decides again against what it already holds.

    Returns the comments, the number of repeated ids dropped, and the number of exact
    repeats marked.
    """
    by_id: dict[str, dict[str, Any]] = {}
    dropped = 0
    for comment in comments:
        comment_id = comment["comment_id"]
        if comment_id in by_id:
            dropped += 1
            continue
        by_id[comment_id] = dict(comment)
    repeats = repeated_comments(by_id.values(), near=False)
    for comment_id, (original, _kind) in repeats.items():
        by_id[comment_id]["duplicate_of"] = original
    return list(by_id.values()), dropped, len(repeats)


def address_rank(url: str, canonical_url: str | None) -> tuple[bool, str, str]:
    """How two pages of one article compare as its address (the lower first): a page at
    its own canonical address before one that points elsewhere, then the smaller
    canonical URL, then the smaller URL."""
    canonical = canonical_url or url
    return (canonical != url, canonical, url)


def _record(item: ArticleItem) -> tuple[str, str | None, str | None]:
    # One record per article for the whole crawl, the largest thing that grows with it:
    # the URL usually is the canonical URL (one string kept, not two equal ones) and a
    # few sections repeat on every record.
    canonical = item.url if item.canonical_url == item.url else item.canonical_url
    section = sys.intern(item.section) if item.section else item.section
    return item.url, canonical, section


class DedupePipeline:
    """Merge repeats of one article within a crawl and dedupe its comments.

    Two pages with the same identity (the same article id under another slug or
    section, say) are one article, under the address of the page that ranks first
    (``address_rank``: a page at its own canonical address, then the smaller canonical
    URL): the other page's URL joins the aliases and its comments join the article. The
    choice does not depend on which page the crawl reads first, so crawling twice stores
    the same address. A page passed on as an alias loses its HTTP validators, which
    belong to the address it was read at: the stored ones stay. Only small identity
    records are remembered, so memory stays flat on long crawls.
    """

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats
        self.seen: dict[str, tuple[str, str | None, str | None]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        identity = article_identity(item)
        first = self.seen.get(identity)
        if first is None:
            self.seen[identity] = _record(item)
        elif address_rank(item.url, item.canonical_url) < address_rank(first[0], first[1]):
            # This page gives the article its address; the one read before is the alias.
            self.stats.inc_value("dedupe/articles_merged")
            item.aliases = list(dict.fromkeys([*item.aliases, first[0]]))
            self.seen[identity] = _record(item)
        else:
            self.stats.inc_value("dedupe/articles_merged")
            item.aliases = list(dict.fromkeys([*item.aliases, item.url]))
            item.url, item.canonical_url, item.section = first
            item.etag = item.http_last_modified = None
        item.comments, dropped, marked = dedupe_comments(item.comments)
        if dropped:
            self.stats.inc_value("dedupe/comments_seen_twice", dropped)
        if marked:
            self.stats.inc_value("dedupe/comments_exact_repeats", marked)
        return item
