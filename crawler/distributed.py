"""Distributed crawling: a thin layer over scrapy-redis 0.9.1 for Scrapy 2.19.

With ``REDIS_URL`` set (setting or environment), :class:`DistributedAddon` switches the
crawl to scrapy-redis's scheduler: one request queue and one duplicate filter in Redis,
shared by every worker of the job, on any number of machines; without it nothing changes.

What is used from scrapy-redis as released: its ``Scheduler`` (priority queue in a sorted
set, atomic pops), its ``RFPDupeFilter`` (request fingerprints in a set) and its connection
settings (the scheduler through :class:`Scheduler`, which only adapts how it counts
into the stats). What is not: its ``RedisSpider``, which reads start URLs through
``start_requests()`` and schedules them with ``engine.crawl()`` from ``spider_idle``;
Scrapy 2.16 dropped ``start_requests()`` for ``async def start()``. In its place
:class:`DistributedWorker`, one spider middleware, does three things:

- **Seeding.** A worker joins the job in a Redis set of live workers (one Lua script,
  atomic). The first to join an empty set starts a new job: it empties what a finished or
  killed earlier job left in the queue and the duplicate filter, and lets the spider's
  ``start()`` requests (listings, robots.txt, feeds) through; those of the others are
  dropped, and they work from the queue. A worker that leaves removes itself (the last
  one removes the job's keys); one that died is forgotten after ``STALE_AFTER`` seconds
  without a heartbeat.
- **Stopping.** A worker stops (finish reason ``finished``) once it has nothing in hand,
  the shared queue is empty, and no worker of the job has scheduled a request or received
  a response for ``DISTRIBUTED_IDLE_SECONDS``: a worker still reading pages may yet fill
  the queue. The last busy worker stops only when it is done, so the job always ends.
- **Its run.** Every worker is a run of its own in ``crawl_runs`` under the job
  ``rtl worker=<host>/<DISTRIBUTED_WORKER>`` (the spider adds the ``worker`` argument, see
  :func:`worker_name`): workers of one job never wait for each other's run lock, and a
  second worker started with a name already running exits 75 as any second run does.

Queue, duplicate filter, worker set and last activity are named
``<REDIS_KEY_PREFIX>:<spider>:<digest>`` plus ``:requests``, ``:dupefilter``, ``:workers``,
``:activity``, the digest being taken over the spider
and its arguments: workers of one job (same arguments) share them, different jobs do not.
Requests go through Redis encoded by ``crawler.request_codec``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import socket
import time
from collections.abc import AsyncIterator, Mapping
from typing import Any, Self

import redis
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.settings import BaseSettings
from scrapy_redis.scheduler import Scheduler as RedisScheduler
from twisted.internet import task

from crawler.outcomes import WORKER_STAT, job_name
from schemas.engine import DatabaseUnavailableError

logger = logging.getLogger(__name__)

#: The spider argument that names a worker in its run's job.
WORKER_ARGUMENT = "worker"
#: Seconds between a worker's heartbeats in the worker set.
HEARTBEAT_SECONDS = 10.0
#: A worker silent this long is taken for dead (killed, machine gone): when no live worker
#: is left, the next one to start begins a new job.
STALE_AFTER = 60.0

#: Stats keys (besides WORKER_STAT, the worker's name): 1 for the worker that seeded
#: the job, else 0; start requests dropped because another worker seeded.
SEEDED_STAT = "distributed/seeded"
START_SKIPPED_STAT = "distributed/start_skipped"

# Prune workers silent for too long; if none is left, empty the queue and the duplicate
# filter (a new job starts); then add this worker and count its arrival as activity.
# Redis runs a script alone, so two workers starting together cannot both see an empty
# set. Returns 1 for a new job.
_JOIN = """
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ms - tonumber(ARGV[2]))
local first = redis.call('ZCARD', KEYS[1]) == 0
if first then
  redis.call('DEL', KEYS[2], KEYS[3])
end
redis.call('ZADD', KEYS[1], ms, ARGV[1])
redis.call('SET', KEYS[4], ms)
if first then return 1 end
return 0
"""
# Remove this worker; the last one to leave removes the job's keys (a big duplicate filter
# has no use once the job is over). Returns how many workers are left.
_LEAVE = """
redis.call('ZREM', KEYS[1], ARGV[1])
local left = redis.call('ZCARD', KEYS[1])
if left == 0 then
  redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
end
return left
"""
# The job's last activity, in Redis's clock (one clock for every machine).
_TOUCH = """
local now = redis.call('TIME')
redis.call('SET', KEYS[1], tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000))
"""
# Milliseconds since the job's last activity (-1: none recorded).
_QUIET_FOR = """
local last = redis.call('GET', KEYS[1])
if not last then return -1 end
local now = redis.call('TIME')
return tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - tonumber(last)
"""
#: A worker records the job's activity at most this often (seconds).
TOUCH_EVERY = 1.0


class RedisUnavailableError(DatabaseUnavailableError):
    """Redis does not answer (exit status 69, as for the database)."""


def redis_url(settings: Mapping[str, Any]) -> str | None:
    """The ``REDIS_URL`` setting, else the environment variable, else None (no Redis)."""
    return settings.get("REDIS_URL") or os.environ.get("REDIS_URL") or None


def worker_name(settings: Mapping[str, Any]) -> str | None:
    """``<host name>/<DISTRIBUTED_WORKER>`` when the crawl is distributed, else None."""
    if not redis_url(settings):
        return None
    number = str(settings.get("DISTRIBUTED_WORKER") or "1")
    return f"{socket.gethostname()}/{number}"


def display_redis_url(url: str) -> str:
    """The Redis URL with its password hidden."""
    try:
        kwargs = redis.connection.parse_url(url)
    except ValueError:
        return "<unparseable Redis URL>"
    host = kwargs.get("host") or kwargs.get("path") or "localhost"
    port = f":{kwargs['port']}" if kwargs.get("port") else ""
    auth = "***@" if kwargs.get("password") else ""
    return f"{url.split('://', 1)[0]}://{auth}{host}{port}/{kwargs.get('db', 0)}"


def job_keys(prefix: str, spider: str, arguments: Mapping[str, Any]) -> dict[str, str]:
    """The Redis keys of a job: ``requests``, ``dupefilter``, ``workers`` (the live
    workers, by last heartbeat) and ``activity`` (when a worker last scheduled a request
    or received a response).

    The worker's own name is not part of the job. scrapy-redis formats the keys with
    ``%``, so the prefix may not hold one.
    """
    if not prefix or "%" in prefix:
        raise ValueError(f"REDIS_KEY_PREFIX must be non-empty and without '%', got {prefix!r}")
    shared = {k: v for k, v in arguments.items() if k != WORKER_ARGUMENT}
    digest = hashlib.sha256(job_name(spider, shared).encode("utf-8")).hexdigest()[:12]
    base = f"{prefix}:{spider}:{digest}"
    return {name: f"{base}:{name}" for name in ("requests", "dupefilter", "workers", "activity")}


class _Stats:
    """The crawl's stats without the ``spider`` argument scrapy-redis still passes (Scrapy
    2.19 warns about it on every call site)."""

    def __init__(self, stats: Any) -> None:
        self._stats = stats

    def inc_value(self, key: str, count: int = 1, start: int = 0, spider: Any = None) -> None:
        self._stats.inc_value(key, count, start)


class Scheduler(RedisScheduler):
    """scrapy-redis's scheduler as released, counting into the stats the Scrapy 2.19 way."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        scheduler = super().from_crawler(crawler)
        scheduler.stats = _Stats(crawler.stats)
        return scheduler


class DistributedAddon:
    """Switches a crawl to the shared Redis queue when ``REDIS_URL`` is set."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def update_settings(self, settings: BaseSettings) -> None:
        url = redis_url(settings)
        if not url:
            return
        # The spider exists by now (Scrapy creates it before applying add-ons).
        spider = self.crawler.spider
        name = getattr(spider, "name", None) or "crawl"
        arguments = dict(getattr(spider, "run_arguments", None) or {})
        keys = job_keys(settings.get("REDIS_KEY_PREFIX"), name, arguments)
        # Same priority as what is there: a REDIS_URL from the environment replaces the
        # project's None (scrapy-redis reads the setting only).
        settings.set("REDIS_URL", url, priority=settings.getpriority("REDIS_URL") or "addon")
        for setting, value in {
            "SCHEDULER": "crawler.distributed.Scheduler",
            "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
            # A worker that stops must leave the queue and the filter to the others;
            # the first worker of the next job empties them (DistributedWorker).
            "SCHEDULER_PERSIST": True,
            "SCHEDULER_FLUSH_ON_START": False,
            "SCHEDULER_QUEUE_KEY": keys["requests"],
            "SCHEDULER_DUPEFILTER_KEY": keys["dupefilter"],
            "DISTRIBUTED_WORKERS_KEY": keys["workers"],
            "DISTRIBUTED_ACTIVITY_KEY": keys["activity"],
            "SCHEDULER_SERIALIZER": "crawler.request_codec",
        }.items():
            settings.set(setting, value, priority="addon")
        settings.set_in_component_priority_dict("SPIDER_MIDDLEWARES", DistributedWorker, 10)


class DistributedWorker:
    """One worker of a distributed crawl: joins the job, seeds it or not, stops when idle.

    Installed by :class:`DistributedAddon` only; raises ``NotConfigured`` without Redis.
    """

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        url = redis_url(settings)
        if not url:
            raise NotConfigured("REDIS_URL is not set")
        self.crawler = crawler
        self.stats = crawler.stats
        self.url = url
        self.idle_seconds = settings.getfloat("DISTRIBUTED_IDLE_SECONDS", 60.0)
        self.keys = {
            "workers": settings.get("DISTRIBUTED_WORKERS_KEY"),
            "requests": settings.get("SCHEDULER_QUEUE_KEY"),
            "dupefilter": settings.get("SCHEDULER_DUPEFILTER_KEY"),
            "activity": settings.get("DISTRIBUTED_ACTIVITY_KEY"),
        }
        self.name = worker_name(settings) or "worker"
        # Unique even when two processes are given one name (the run lock stops the
        # second one before it joins, but its entry must not be the first one's).
        self.member = f"{self.name}#{os.getpid()}-{secrets.token_hex(4)}"
        self.server = redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10)
        try:
            self.server.ping()
        except redis.RedisError as exc:
            raise RedisUnavailableError(
                f"Redis at {display_redis_url(url)} does not answer: {exc}"
            ) from None
        self.seeds: bool | None = None
        self.joined = False
        self._touched_at = float("-inf")
        self._heartbeat: task.LoopingCall | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.touch, signal=signals.request_scheduled)
        crawler.signals.connect(self.touch, signal=signals.response_received)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    # --- joining and leaving ---------------------------------------------------------

    def spider_opened(self, spider: Any) -> None:
        # After the pipelines opened (run lock taken) and before the engine asks the
        # scheduler for a first request: nothing left over is popped before the flush.
        self.seeds = self.join()
        self.stats.set_value(WORKER_STAT, self.name)
        self.stats.set_value(SEEDED_STAT, int(self.seeds))
        self._heartbeat = task.LoopingCall(self.beat)
        self._heartbeat.start(HEARTBEAT_SECONDS, now=False)
        logger.info(
            "Distributed worker %s on %s: %s (queue %s)",
            self.name,
            display_redis_url(self.url),
            "first of the job, seeding the shared queue"
            if self.seeds
            else "joining a running job, taking requests from the shared queue",
            self.keys["requests"],
        )

    def join(self) -> bool:
        """Enter the job's worker set; True when this worker starts a new job."""
        first = self.server.eval(
            _JOIN,
            4,
            self.keys["workers"],
            self.keys["requests"],
            self.keys["dupefilter"],
            self.keys["activity"],
            self.member,
            int(STALE_AFTER * 1000),
        )
        self.joined = True
        return bool(first)

    def beat(self) -> None:
        """Refresh this worker's entry in the worker set (every ``HEARTBEAT_SECONDS``)."""
        key = self.keys["workers"]
        try:
            seconds, micros = self.server.time()
            now_ms = seconds * 1000 + micros // 1000
            if self.server.zscore(key, self.member) is None:
                # Pruned as dead after a pause longer than STALE_AFTER: still working.
                logger.warning("Distributed worker %s was taken for dead; back in", self.name)
            self.server.zadd(key, {self.member: now_ms})
        except redis.RedisError as exc:
            logger.warning("Distributed worker heartbeat failed: %s", exc)

    def leave(self) -> None:
        if self._heartbeat is not None and self._heartbeat.running:
            self._heartbeat.stop()
        if self.joined:
            self.joined = False
            try:
                left = self.server.eval(
                    _LEAVE,
                    4,
                    self.keys["workers"],
                    self.keys["requests"],
                    self.keys["dupefilter"],
                    self.keys["activity"],
                    self.member,
                )
                logger.info(
                    "Distributed worker %s left the job (%d workers still in it)", self.name, left
                )
            except redis.RedisError as exc:
                # Forgotten after STALE_AFTER anyway.
                logger.warning("Could not leave the distributed job: %s", exc)

    def spider_closed(self, spider: Any) -> None:
        self.leave()
        self.server.close()

    # --- start requests --------------------------------------------------------------

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        # Every worker runs the spider's start(): it checks the arguments and opens the
        # stored state that incremental decisions read. Only the seeding worker's
        # requests reach the queue.
        async for item_or_request in start:
            if self.seeds:
                yield item_or_request
            else:
                self.stats.inc_value(START_SKIPPED_STAT)

    # --- stopping --------------------------------------------------------------------

    def touch(self, **kwargs: Any) -> None:
        """Record that the job is active (a request scheduled, a response received)."""
        now = time.monotonic()
        if now - self._touched_at < TOUCH_EVERY:
            return
        self._touched_at = now
        try:
            self.server.eval(_TOUCH, 1, self.keys["activity"])
        except redis.RedisError as exc:
            logger.warning("Could not record the distributed job's activity: %s", exc)

    def spider_idle(self, spider: Any) -> None:
        """Keep the worker open until no worker of the job has scheduled a request or
        received a response for ``DISTRIBUTED_IDLE_SECONDS``.

        Scrapy calls this only when this worker has nothing in hand and the shared queue
        is empty, then again at least every 5 s (the engine's heartbeat, which also polls
        the queue) for as long as ``DontCloseSpider`` is raised. Another worker still
        reading pages may fill the queue again, so its activity keeps this one waiting.
        """
        quiet_ms = self.server.eval(_QUIET_FOR, 1, self.keys["activity"])
        if 0 <= quiet_ms < self.idle_seconds * 1000:
            raise DontCloseSpider
        logger.info(
            "Distributed worker %s: the shared queue is empty and the job has been quiet "
            "for %.0f s; stopping",
            self.name,
            max(quiet_ms, 0) / 1000,
        )
