"""Scrapy pipeline that hands articles and rejected pages to ``pipelines.storage``.

Items are buffered and written ``STORE_BATCH_SIZE`` at a time (one transaction per batch);
what is left is written when the spider closes. Counts go to the crawl stats under
``store/...``. The writes are synchronous: a batch takes milliseconds, and keeping them
on the reactor thread keeps the order of writes simple.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.config import database_url
from crawler.items import ArticleItem, RejectedPageItem
from pipelines.storage import Storage, WriteResult
from schemas.engine import DatabaseUnavailableError, display_url, unavailable_message

logger = logging.getLogger(__name__)

#: WriteResult counter -> stats key.
STATS_KEYS = {
    "articles_new": "store/articles_new",
    "articles_updated": "store/articles_updated",
    "articles_unchanged": "store/articles_unchanged",
    "comments_new": "store/comments_new",
    "comments_updated": "store/comments_updated",
    "aliases_new": "store/aliases_new",
    "failed": "store/failed",
}
REJECTED_KEY = "store/rejected_pages"


class StorePipeline:
    """Write ``ArticleItem`` and ``RejectedPageItem`` to ``DATABASE_URL``; pass items on."""

    def __init__(
        self,
        url: str,
        *,
        batch_size: int = 25,
        auto_migrate: bool = True,
        stats: StatsCollector | None = None,
    ) -> None:
        self.url = url
        self.batch_size = max(1, batch_size)
        self.auto_migrate = auto_migrate
        self.stats = stats
        self.storage: Storage | None = None
        self.articles: list[ArticleItem] = []
        self.rejected: list[RejectedPageItem] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        settings = crawler.settings
        return cls(
            database_url(settings),
            batch_size=settings.getint("STORE_BATCH_SIZE", 25),
            auto_migrate=settings.getbool("DATABASE_AUTO_MIGRATE", True),
            stats=crawler.stats,
        )

    def open_spider(self) -> None:
        storage = Storage(self.url)
        try:
            storage.check_connection()
            if self.auto_migrate:
                storage.upgrade()
        except DatabaseUnavailableError:
            storage.close()
            raise
        except Exception as exc:
            storage.close()
            # A failed migration: say which database, never with its password.
            raise DatabaseUnavailableError(unavailable_message(storage.engine, exc)) from None
        self.storage = storage
        # Zeros up front so every key shows in the final stats, even for an empty crawl.
        for key in [*STATS_KEYS.values(), REJECTED_KEY]:
            self._inc(key, 0)
        logger.info(
            "Storing into %s (batches of %d%s)",
            display_url(self.url),
            self.batch_size,
            ", migrated to the latest schema" if self.auto_migrate else "",
        )

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ArticleItem):
            self.articles.append(item)
        elif isinstance(item, RejectedPageItem):
            self.rejected.append(item)
        else:
            return item
        if len(self.articles) + len(self.rejected) >= self.batch_size:
            self.flush()
        return item

    def close_spider(self) -> None:
        if self.storage is None:
            return
        try:
            self.flush()
        finally:
            self.storage.close()
            self.storage = None

    def flush(self) -> None:
        """Write what is buffered."""
        if self.storage is None:
            raise RuntimeError("StorePipeline.flush() before open_spider()")
        articles, self.articles = self.articles, []
        rejected, self.rejected = self.rejected, []
        if rejected:
            self._inc(REJECTED_KEY, self.storage.write_rejected(rejected))
        if articles:
            self._record(self.storage.write_articles(articles))

    def _record(self, result: WriteResult) -> None:
        for name, value in result.counts().items():
            self._inc(STATS_KEYS[name], value)
        for failure in result.failures:
            logger.error(
                "Could not store article %s (%s): %s", failure.identity, failure.url, failure.error
            )

    def _inc(self, key: str, value: int) -> None:
        if self.stats is not None:
            self.stats.inc_value(key, value)
