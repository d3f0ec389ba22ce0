"""Scrapy pipeline that hands articles and rejected pages to ``pipelines.storage``.

Items are buffered and written ``STORE_BATCH_SIZE`` at a time (one transaction per batch);
what is left is written when the spider closes. Counts go to the crawl stats under
``store/...``. The writes are synchronous: a batch takes milliseconds, and keeping them
on the reactor thread keeps the order of writes simple.

When the database is unreachable, a batch goes to a durable spool file instead
(``pipelines.spool``) and is written at the next successful write, at the next run's start,
or by ``make replay``; the crawl goes on meanwhile.

The pipeline also owns the run: opening takes the job's lock, migrates, and records the run
in ``crawl_runs`` (``pipelines.runs``); the lock is checked every ``RUN_LOCK_CHECK_SECONDS``
and taken again after a database restart (``pipelines.lockwatch``), and the crawl stops
(finish reason ``lock_lost``) if another run took it meanwhile. When the spider has closed
and Scrapy's stats are final, the run's end, status and counts are written there, or to
the spool, with the items, when the database is down.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector
from scrapy.utils.defer import deferred_from_coro

from crawler.config import database_url
from crawler.items import ArticleItem, RejectedPageItem
from crawler.outcomes import LOCK_LOST, job_name
from pipelines.lockwatch import LockWatch
from pipelines.runs import CrawlLockedError, RunLock, begin_run
from pipelines.spool import RunEnd, Spool, replay, spool_path
from pipelines.storage import Storage, WriteResult
from schemas.engine import (
    DatabaseUnavailableError,
    display_url,
    error_text,
    open_failed_message,
)

logger = logging.getLogger(__name__)

#: WriteResult counter -> stats key.
STATS_KEYS = {
    "articles_new": "store/articles_new",
    "articles_updated": "store/articles_updated",
    "articles_unchanged": "store/articles_unchanged",
    "comments_new": "store/comments_new",
    "comments_updated": "store/comments_updated",
    "aliases_new": "store/aliases_new",
    "articles_not_modified": "store/articles_not_modified",
    "versions_new": "store/versions_new",
    "near_duplicates": "store/near_duplicates",
    "comments_near_repeats": "store/comments_near_repeats",
    "failed": "store/failed",
}
REJECTED_KEY = "store/rejected_pages"
#: Items written to the spool while the database was down / written back from it / still
#: waiting there when the crawl ended (a non-zero value fails the run).
SPOOLED_KEY = "store/spooled"
REPLAYED_KEY = "store/replayed"
PENDING_KEY = "store/spool_pending"


class StorePipeline:
    """Write ``ArticleItem`` and ``RejectedPageItem`` to ``DATABASE_URL``; pass items on."""

    def __init__(
        self,
        url: str,
        *,
        batch_size: int = 25,
        auto_migrate: bool = True,
        stats: StatsCollector | None = None,
        crawler: Crawler | None = None,
        storage_options: dict[str, Any] | None = None,
        spool_directory: str | None = None,
        lock_check_interval: float = 5.0,
    ) -> None:
        self.url = url
        self.batch_size = max(1, batch_size)
        self.auto_migrate = auto_migrate
        self.stats = stats
        self.crawler = crawler
        self.storage_options = storage_options or {}
        self.storage: Storage | None = None
        self.lock: RunLock | None = None
        self.lock_check_interval = lock_check_interval
        self.watch: LockWatch | None = None
        self.run_id: int | None = None
        self.spool = Spool(spool_path(url, spool_directory))
        self.articles: list[ArticleItem] = []
        self.rejected: list[RejectedPageItem] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        settings = crawler.settings
        pipeline = cls(
            database_url(settings),
            batch_size=settings.getint("STORE_BATCH_SIZE", 25),
            auto_migrate=settings.getbool("DATABASE_AUTO_MIGRATE", True),
            stats=crawler.stats,
            crawler=crawler,
            storage_options={
                "near_duplicate_threshold": settings.getfloat("NEAR_DUPLICATE_THRESHOLD", 0.7),
                "near_duplicate_window": timedelta(
                    days=settings.getfloat("NEAR_DUPLICATE_WINDOW_DAYS", 3)
                ),
            },
            spool_directory=settings.get("STORE_SPOOL_DIR"),
            lock_check_interval=settings.getfloat("RUN_LOCK_CHECK_SECONDS", 5.0),
        )
        # Connected after Scrapy's CoreStats, so the stats carry the finish reason by then.
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        storage = Storage(self.url, **self.storage_options)
        spider = getattr(self.crawler, "spider", None)
        name = getattr(spider, "name", None) or "crawl"
        arguments = dict(getattr(spider, "run_arguments", None) or {})
        job = job_name(name, arguments)
        lock = RunLock(storage.engine, job)
        try:
            storage.check_connection()
            # The lock before migrating: of two first runs started together, the second
            # stops here as "already running" (migrations also take turns on their own).
            lock.acquire()
            if self.auto_migrate:
                storage.upgrade()
            self.run_id = begin_run(storage.engine, job, name, arguments, datetime.now(UTC))
        except Exception as exc:
            lock.release()
            storage.close()
            if isinstance(exc, DatabaseUnavailableError | CrawlLockedError):
                raise
            # Never with its password; says which database, and whether it was the migration.
            raise DatabaseUnavailableError(open_failed_message(storage.engine, exc)) from None
        self.lock = lock
        self.storage = storage
        self.watch = LockWatch(lock, self.lock_check_interval, self._lock_lost)
        self.watch.start()
        if self.stats is not None:
            self.stats.set_value("run/id", self.run_id)
        # Zeros up front so every key shows in the final stats, even for an empty crawl.
        for key in [*STATS_KEYS.values(), REJECTED_KEY, SPOOLED_KEY, REPLAYED_KEY]:
            self._inc(key, 0)
        # What an earlier run could not write goes in before anything new.
        self._replay()
        logger.info(
            "Storing into %s (batches of %d%s); run %d of '%s'",
            display_url(self.url),
            self.batch_size,
            ", migrated to the latest schema" if self.auto_migrate else "",
            self.run_id,
            job,
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
            pending = len(self.spool)
            if self.stats is not None:
                self.stats.set_value(PENDING_KEY, pending)
            if pending:
                logger.error(
                    "%d items are waiting in %s for the database; they are written by the "
                    "next run or by `make replay`",
                    pending,
                    self.spool.path,
                )
            self._release_lock()

    def _lock_lost(self, error: Exception) -> None:
        """Another run took the lock during a database restart: stop this one cleanly."""
        logger.error("%s", error)
        engine = getattr(self.crawler, "engine", None)
        if engine is not None and getattr(engine, "spider", None) is not None:
            deferred_from_coro(engine.close_spider_async(reason=LOCK_LOST))

    def _release_lock(self) -> None:
        if self.watch is not None:
            self.watch.stop()
            self.watch = None
        if self.lock is None:
            return
        try:
            self.lock.release()
        except Exception as exc:
            # The connection holding it is gone (database restarted): so is the lock.
            logger.debug("Releasing the run lock: %s", error_text(exc, self.url))
        self.lock = None

    def spider_closed(self, spider: Any = None, reason: str | None = None) -> None:
        """Write the run's outcome with the final stats, then let go of the database."""
        storage, self.storage = self.storage, None
        if storage is None:
            return
        try:
            if self.run_id is not None:
                stats = dict(self.stats.get_stats()) if self.stats is not None else {}
                stats.setdefault("finish_reason", reason)
                status = storage.finish_run(self.run_id, stats, datetime.now(UTC))
                logger.info("Run %d %s (%s)", self.run_id, status, stats.get("finish_reason"))
        except DatabaseUnavailableError:
            # Kept with the items the database could not take, and written back with them.
            self.spool.append_run_end(RunEnd(self.run_id, datetime.now(UTC), stats))
            logger.error(
                "The database is unavailable: the end of run %s waits in %s with its items",
                self.run_id,
                self.spool.path,
            )
        except Exception as exc:
            logger.error(
                "Could not record the end of run %s in crawl_runs: %s",
                self.run_id,
                error_text(exc, self.url),
            )
        finally:
            self._release_lock()
            storage.close()

    def flush(self) -> None:
        """Write what is buffered."""
        if self.storage is None:
            raise RuntimeError("StorePipeline.flush() before open_spider()")
        articles, self.articles = self.articles, []
        rejected, self.rejected = self.rejected, []
        if not (articles or rejected):
            self._replay()
            return
        try:
            if self.spool.path.exists():
                # Older items first, so a newer write is never overwritten by an older one.
                self._replay(raise_unavailable=True)
            if rejected:
                self._inc(
                    REJECTED_KEY, self.storage.write_rejected(rejected, run_id=self.run_id)
                )
                rejected = []
            if articles:
                self._record(self.storage.write_articles(articles, run_id=self.run_id))
        except DatabaseUnavailableError as exc:
            pending = [*rejected, *articles]
            self.spool.append(pending, run_id=self.run_id)
            self._inc(SPOOLED_KEY, len(pending))
            logger.warning(
                "Database unavailable; %d items spooled to %s: %s",
                len(pending),
                self.spool.path,
                str(exc).splitlines()[0],
            )

    def _replay(self, raise_unavailable: bool = False) -> None:
        """Write what the spool holds, if anything and if the database answers."""
        if self.storage is None or not self.spool.path.exists():
            return
        waiting = len(self.spool)
        try:
            result = replay(
                self.storage, self.spool, run_id=self.run_id, batch_size=self.batch_size
            )
        except DatabaseUnavailableError:
            if raise_unavailable:
                raise
            return
        self._record(result)
        self._inc(REJECTED_KEY, result.rejected_replayed)
        self._inc(REPLAYED_KEY, waiting)
        logger.info("Wrote %d spooled items from %s", waiting, self.spool.path)

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
