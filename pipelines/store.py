"""Scrapy pipeline that hands articles and rejected pages to ``pipelines.storage``.

Items are buffered and written ``STORE_BATCH_SIZE`` at a time (one transaction per batch);
what is left is written when the spider closes. Counts go to the crawl stats under
``store/...``. During a crawl the batches are written by one worker thread, in order
(``pipelines.writer``), while the reactor goes on downloading and parsing; at most
``STORE_MAX_PENDING_BATCHES`` wait for it, beyond that ``process_item`` returns a Deferred
and Scrapy holds the crawl back until the database catches up. Closing waits for every
batch.

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
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import defer
from twisted.python.failure import Failure

from crawler.config import database_url
from crawler.items import ArticleItem, RejectedPageItem
from crawler.outcomes import LOCK_LOST, job_name
from pipelines.counters import COUNTERS, stat_key
from pipelines.lockwatch import LockWatch
from pipelines.runs import CrawlLockedError, RunLock, begin_run
from pipelines.spool import RunEnd, Spool, replay, spool_path
from pipelines.storage import BATCH_SIZE, Storage, WriteResult
from pipelines.writer import InlineWriter, ThreadedWriter, reactor_running, wait_then
from schemas.engine import (
    DatabaseUnavailableError,
    display_url,
    error_text,
    open_failed_message,
)

logger = logging.getLogger(__name__)

#: WriteResult counter -> stats key.
STATS_KEYS = {name: stat_key(name) for name in (*COUNTERS, "failed")}
REJECTED_KEY = "store/rejected_pages"
#: Items written to the spool while the database was down / written back from it / still
#: waiting there when the crawl ended (a non-zero value fails the run).
SPOOLED_KEY = "store/spooled"
REPLAYED_KEY = "store/replayed"
PENDING_KEY = "store/spool_pending"


@dataclass
class Batch:
    """Items written together: the articles in one transaction, the refused pages in another."""

    articles: list[ArticleItem] = field(default_factory=list)
    rejected: list[RejectedPageItem] = field(default_factory=list)


@dataclass
class BatchOutcome:
    """What writing a batch did, counted into the stats on the reactor thread."""

    result: WriteResult = field(default_factory=WriteResult)
    rejected: int = 0
    spooled: int = 0
    #: Items written back from the spool first, and what that wrote.
    replayed: int = 0
    replay_result: WriteResult | None = None


class StorePipeline:
    """Write ``ArticleItem`` and ``RejectedPageItem`` to ``DATABASE_URL``; pass items on."""

    def __init__(
        self,
        url: str,
        *,
        batch_size: int = BATCH_SIZE,
        auto_migrate: bool = True,
        stats: StatsCollector | None = None,
        crawler: Crawler | None = None,
        storage_options: dict[str, Any] | None = None,
        spool_directory: str | None = None,
        lock_check_interval: float = 5.0,
        max_pending_batches: int = 4,
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
        self.max_pending_batches = max(1, max_pending_batches)
        self.writer: ThreadedWriter[Batch, BatchOutcome] | InlineWriter[Batch, BatchOutcome]
        self.writer = InlineWriter(self._write_batch, self._count)
        self.articles: list[ArticleItem] = []
        self.rejected: list[RejectedPageItem] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        settings = crawler.settings
        pipeline = cls(
            database_url(settings),
            batch_size=settings.getint("STORE_BATCH_SIZE", BATCH_SIZE),
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
            max_pending_batches=settings.getint("STORE_MAX_PENDING_BATCHES", 4),
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
        if reactor_running():
            self.writer = ThreadedWriter(
                self._write_batch, self._count, self._batch_failed,
                capacity=self.max_pending_batches, name="store-writer",
            )  # fmt: skip
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
            # Passed on at once, or once the writer has room for the batch (back-pressure).
            return wait_then(self.flush(), item)
        return item

    def close_spider(self) -> Any:
        """Write what is left; with the worker thread, a coroutine done once all is written
        (without it, everything is written when this returns)."""
        if self.storage is None:
            return None
        try:
            self.flush()
        except BaseException:
            self._closed()
            raise
        drained = self.writer.drain()
        if drained is None:
            self._closed()
            return None
        return wait_then(drained.addBoth(self._closed), None)

    def _closed(self, passed: Any = None) -> Any:
        """Every batch written (or spooled): count what waits, let go of the lock."""
        self.writer.close()
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
        return passed

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
            self.writer.close()
            self._release_lock()
            storage.close()

    def flush(self) -> defer.Deferred[None] | None:
        """Hand what is buffered to the writer (with nothing buffered, the spool is still
        written back if the database answers); a Deferred when the writer has no room yet.
        """
        if self.storage is None:
            raise RuntimeError("StorePipeline.flush() before open_spider()")
        batch = Batch(self.articles, self.rejected)
        self.articles, self.rejected = [], []
        return self.writer.submit(batch)

    def _write_batch(self, batch: Batch) -> BatchOutcome:
        """Write one batch, the spool first; spool the batch if the database is away.

        Runs in the writer's thread during a crawl: it touches the database and the spool
        file, never Scrapy's stats (see :meth:`_count`).
        """
        storage = self.storage
        if storage is None:
            raise RuntimeError("StorePipeline: a batch written after the database was closed")
        outcome = BatchOutcome()
        rejected, articles = batch.rejected, batch.articles
        if not (articles or rejected):
            self._replay_into(outcome)
            return outcome
        try:
            if self.spool.path.exists():
                # Older items first, so a newer write is never overwritten by an older one.
                self._replay_into(outcome, raise_unavailable=True)
            if rejected:
                outcome.rejected = storage.write_rejected(rejected, run_id=self.run_id)
                rejected = []
            if articles:
                outcome.result = storage.write_articles(articles, run_id=self.run_id)
        except DatabaseUnavailableError as exc:
            pending = [*rejected, *articles]
            self.spool.append(pending, run_id=self.run_id)
            outcome.spooled = len(pending)
            logger.warning(
                "Database unavailable; %d items spooled to %s: %s",
                len(pending),
                self.spool.path,
                str(exc).splitlines()[0],
            )
        return outcome

    def _count(self, outcome: BatchOutcome) -> None:
        """Count a written batch into the stats and log its failures (reactor thread)."""
        if outcome.replay_result is not None:
            self._record(outcome.replay_result)
            self._inc(REJECTED_KEY, outcome.replay_result.rejected_replayed)
            self._inc(REPLAYED_KEY, outcome.replayed)
        self._inc(REJECTED_KEY, outcome.rejected)
        self._record(outcome.result)
        self._inc(SPOOLED_KEY, outcome.spooled)

    def _batch_failed(self, batch: Batch, failure: Failure) -> None:
        """Writing a batch raised (not a database outage, which spools): nothing of it is
        known to be stored; its articles count as failed."""
        logger.error(
            "Could not store a batch of %d articles and %d refused pages: %s",
            len(batch.articles),
            len(batch.rejected),
            failure.getTraceback(),
        )
        self._inc(STATS_KEYS["failed"], len(batch.articles))

    def _replay(self) -> None:
        """Write what the spool holds, if anything and if the database answers."""
        outcome = BatchOutcome()
        self._replay_into(outcome)
        self._count(outcome)

    def _replay_into(self, outcome: BatchOutcome, raise_unavailable: bool = False) -> None:
        """Write the spool back, if there is one, noting in ``outcome`` what it wrote."""
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
        outcome.replay_result = result
        outcome.replayed = waiting
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
