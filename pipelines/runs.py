"""Run history (``crawl_runs``) and the lock that keeps two runs of one job apart.

A *job* is a spider with its arguments (``rtl``, ``rtl section=sport``): cron starting
the same job again while the previous run is still busy gets :class:`CrawlLockedError`.

The lock lives with the database, so it holds across machines sharing one database and
vanishes with the process that held it, even one killed with SIGKILL:

- PostgreSQL: a session-level advisory lock on a dedicated connection. A database restart
  ends that session and the lock with it: :meth:`RunLock.check` (called every few seconds
  during a crawl, ``pipelines.lockwatch``) takes it again as soon as the database answers,
  and raises :class:`LockLostError` if another run took it in between;
- SQLite (one machine by nature): an exclusive ``flock`` on a file beside the database.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import socket
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa

from crawler import sitemaps
from crawler.outcomes import RunRefused, run_status
from pipelines.counters import stat_key
from pipelines.coverage import ALARM_KEY, coverage_summary
from schemas import tables as t

logger = logging.getLogger(__name__)

class CrawlLockedError(RunRefused):
    """Another run of the same job holds the lock."""


class LockLostError(CrawlLockedError):
    """The database lost this run's lock (a restart) and another run has taken it since."""


class RunLock:
    """An exclusive, non-blocking lock on one job in one database."""

    def __init__(self, engine: sa.Engine, job: str) -> None:
        self.engine = engine
        self.job = job
        # Advisory locks are per server, not per database: the database name keeps crawls
        # into two databases on one server apart.
        scope = f"{engine.url.database}\x1f{job}"
        digest = hashlib.sha256(scope.encode("utf-8")).digest()
        # pg_try_advisory_lock takes a signed 64-bit key.
        self.key = int.from_bytes(digest[:8], "big", signed=True)
        self._conn: sa.Connection | None = None
        self._file: IO[bytes] | None = None
        # Between acquire() and release(), even while the database has lost the lock.
        self._held = False
        # check() runs in a worker thread; release() on the crawl's thread.
        self._guard = threading.Lock()

    def acquire(self) -> None:
        """Take the lock or raise :class:`CrawlLockedError` at once."""
        with self._guard:
            if self.engine.dialect.name == "postgresql":
                conn = self._take()
                if conn is None:
                    raise CrawlLockedError(self._message())
                self._conn = conn
            else:
                handle = open(self._lock_path(), "ab")  # noqa: SIM115 - held until release()
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    handle.close()
                    raise CrawlLockedError(self._message()) from None
                self._file = handle
            self._held = True

    def _take(self) -> sa.Connection | None:
        """A new connection holding the advisory lock, or None if another session has it."""
        conn = self.engine.connect()
        try:
            got = conn.scalar(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key})
            # Commit so the connection does not sit "idle in transaction" for hours.
            conn.commit()
        except BaseException:
            conn.close()
            raise
        if not got:
            conn.close()
            return None
        return conn

    def check(self) -> bool:
        """Make sure the lock is still held, taking it again if the database lost it.

        Returns True when it is held (again), False when the database does not answer (a
        restart in progress: nothing is known, ask again later). Raises
        :class:`LockLostError` when another run took the lock meanwhile. Safe to call from
        another thread than :meth:`acquire` and :meth:`release`.
        """
        with self._guard:
            if not self._held:
                return False
            if self._file is not None:
                return True  # a file lock: it cannot be lost
            if self._conn is not None:
                try:
                    # The advisory lock lasts as long as its session: a live session holds it.
                    self._conn.exec_driver_sql("SELECT 1")
                    self._conn.commit()
                    return True
                except sa.exc.DBAPIError:
                    self._discard()
            try:
                conn = self._take()
            except sa.exc.SQLAlchemyError:
                return False
            if conn is None:
                self._held = False
                raise LockLostError(
                    f"the database lost the lock of '{self.job}' (restarted?) and another "
                    "run has taken it since; stopping this one"
                )
            self._conn = conn
        logger.warning("The database lost the lock of '%s' (restarted?); taken again", self.job)
        return True

    def _discard(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(sa.exc.SQLAlchemyError):
                self._conn.close()
            self._conn = None

    def release(self) -> None:
        with self._guard:
            self._held = False
            if self._conn is not None:
                try:
                    self._conn.execute(
                        sa.text("SELECT pg_advisory_unlock(:key)"), {"key": self.key}
                    )
                    self._conn.commit()
                finally:
                    self._discard()
            if self._file is not None:
                fcntl.flock(self._file, fcntl.LOCK_UN)
                self._file.close()
                self._file = None

    def _lock_path(self) -> Path:
        database = self.engine.url.database
        if not database or database == ":memory:":
            raise ValueError("an in-memory SQLite database cannot be shared, nor locked")
        return Path(f"{database}.{hashlib.sha256(self.job.encode()).hexdigest()[:12]}.lock")

    def _message(self) -> str:
        return (
            f"another run of '{self.job}' is still going (lock held in the database); "
            "not starting a second one"
        )


def begin_run(
    engine: sa.Engine, job: str, spider: str, arguments: Mapping[str, Any], now: datetime
) -> int:
    """Record a starting run and return its id.

    Runs of this job still marked ``running`` are marked ``interrupted``: the caller holds
    the job's lock, so their processes are gone.
    """
    with engine.begin() as conn:
        conn.execute(
            sa.update(t.crawl_runs)
            .where(t.crawl_runs.c.job == job, t.crawl_runs.c.status == "running")
            .values(status="interrupted")
        )
        return conn.execute(
            sa.insert(t.crawl_runs)
            .values(
                job=job,
                spider=spider,
                arguments=dict(arguments) or None,
                hostname=socket.gethostname(),
                pid=os.getpid(),
                started_at=now,
                status="running",
            )
            .returning(t.crawl_runs.c.id)
        ).scalar_one()


def json_safe(value: Any) -> Any:
    """A stats value as JSON can hold it: times as UTC ISO strings, the rest as text."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)


def run_counts(stats: Mapping[str, Any]) -> dict[str, Any]:
    """The ``crawl_runs`` count columns from Scrapy's stats."""
    by_status = {
        key.rsplit("/", 1)[1]: value
        for key, value in stats.items()
        if key.startswith("downloader/response_status_count/")
    }
    return {
        "requests": stats.get("downloader/request_count", 0),
        "responses": stats.get("response_received_count", 0),
        "responses_by_status": dict(sorted(by_status.items())) or None,
        **{
            name: stats.get(stat_key(name), 0)
            for name in ("articles_new", "articles_updated", "articles_unchanged", "comments_new")
        },
        "pages_rejected": stats.get(stat_key("rejected_pages"), 0),
        "duplicates_merged": stats.get("dedupe/articles_merged", 0)
        + stats.get(stat_key("near_duplicates"), 0),
        "errors": stats.get("log_count/ERROR", 0) + stats.get(stat_key("failed"), 0),
    }


def finish_run(engine: sa.Engine, run_id: int, stats: Mapping[str, Any], now: datetime) -> str:
    """Write the run's end, status, counts, extraction coverage and coverage alarm (set
    in the stats by ``pipelines.alarms``); returns the status.

    An alarm does not change the status: a finished run with an alarm stays ``finished``
    with ``alarm`` set, a failed one stays ``failed``. A run's end is written once: a run
    already ended keeps what it has. A run marked ``interrupted`` by the next run gets its
    real end (written late, from the spool).
    """
    status = run_status(stats)
    with engine.begin() as conn:
        conn.execute(
            sa.update(t.crawl_runs)
            .where(t.crawl_runs.c.id == run_id, t.crawl_runs.c.finished_at.is_(None))
            .values(
                finished_at=now,
                status=status,
                finish_reason=str(stats.get("finish_reason") or "") or None,
                stats={key: json_safe(value) for key, value in sorted(stats.items())},
                coverage=coverage_summary(stats),
                alarm=stats.get(ALARM_KEY) or None,
                **run_counts(stats),
            )
        )
    return status


def recent_coverage(
    engine: sa.Engine, run_id: int, runs: int, min_parsed: int
) -> list[dict[str, Any]]:
    """The coverage of the last ``runs`` healthy runs of ``run_id``'s job before it,
    newest first: finished, without an alarm, and with at least ``min_parsed`` article
    pages parsed.

    Alarmed runs are left out so that a collapse keeps alarming, run after run, until the
    parser is fixed, instead of becoming the norm the next runs are compared with.
    """
    c = t.crawl_runs.c
    job = sa.select(c.job).where(c.id == run_id).scalar_subquery()
    query = (
        sa.select(c.coverage)
        .where(
            c.job == job,
            c.id < run_id,
            c.status == "finished",
            c.alarm.is_(None),
            c.coverage.is_not(None),
            c.coverage["parsed"].as_integer() >= min_parsed,
        )
        .order_by(c.id.desc())
        .limit(runs)
    )
    with engine.connect() as conn:
        return [dict(coverage) for coverage in conn.scalars(query)]


def last_sitemap_walk(engine: sa.Engine, job: str) -> datetime | None:
    """When the last finished run of ``job`` that read sitemaps and missed none of those
    it asked for (``crawler.sitemaps``) started, or ``None``.

    A run that could not read a sitemap does not count: what that sitemap lists would
    otherwise be skipped by the next runs as unchanged without ever having been read.
    """
    c = t.crawl_runs.c
    query = (
        sa.select(c.started_at)
        .where(
            c.job == job,
            c.status == "finished",
            c.stats[sitemaps.READ].as_integer() > 0,
            sa.func.coalesce(c.stats[sitemaps.NOT_READ].as_integer(), 0) == 0,
        )
        .order_by(c.started_at.desc())
        .limit(1)
    )
    with engine.connect() as conn:
        return conn.scalar(query)
