"""Feed exports (``-o``/``-O``, ``FEEDS``) that carry articles only, unless asked otherwise.

The pipelines hand on two kinds of items: articles, and records of pages that could not be
stored as articles (``RejectedPageItem``). A feed of articles should not mix the two, so a
feed that names neither ``item_classes`` nor ``item_filter`` in its options gets
``ArticlesOnly``. A feed that names them keeps its choice: ``"item_classes":
["crawler.items.RejectedPageItem"]`` for a feed of refused pages, ``"item_classes": []``
for every item.

Done by an add-on (``ADDONS`` in crawler/settings.py): ``scrapy crawl -O FILE`` turns its
option into a ``FEEDS`` entry, merged with the ``FEEDS`` setting, before the crawler
starts; add-ons see that merged ``FEEDS`` and may change it, which the feed exporter then
reads.
"""

from __future__ import annotations

from typing import Any

from scrapy.extensions.feedexport import ItemFilter
from scrapy.settings import BaseSettings

from crawler.items import ArticleItem

FILTER_PATH = f"{__name__}.ArticlesOnly"


class ArticlesOnly(ItemFilter):
    """Lets through articles read in full: not refused pages, and not the identity-only
    articles of pages answered 304 Not Modified (their text is the stored one; see
    ``python -m crawler.export``)."""

    def accepts(self, item: Any) -> bool:
        return isinstance(item, ArticleItem) and not item.not_modified


def with_default_filter(feeds: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """``feeds`` (a ``FEEDS`` value) with ``ArticlesOnly`` on the feeds that choose no items."""
    return {
        uri: options
        if "item_classes" in options or "item_filter" in options
        else {**options, "item_filter": FILTER_PATH}
        for uri, options in feeds.items()
    }


class ArticleFeeds:
    """Add-on: gives ``ArticlesOnly`` to the feeds that do not choose their items."""

    def update_settings(self, settings: BaseSettings) -> None:
        feeds = settings.getdict("FEEDS")
        if feeds:
            priority = settings.getpriority("FEEDS")
            settings.set("FEEDS", with_default_filter(feeds), priority=priority)
