"""How a run ends, as the crawl's components report it and ``crawler.exitcodes`` reads it.

The vocabulary lives here, below the pipelines, so that the storage side reports into it
(``pipelines.runs``, ``pipelines.alarms``) while the crawler never imports the pipelines.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Finish reason of a run that stopped because another run took its lock (the database
#: restarted under it); such a run exits with the "already running" status.
LOCK_LOST = "lock_lost"
#: Stats key holding the text of the run's extraction alarm, when it raised one.
ALARM_KEY = "coverage/alarm"
#: Stats key naming the worker of a distributed crawl (set by ``crawler.distributed``).
WORKER_STAT = "distributed/worker"


class RunRefused(RuntimeError):
    """Another run of the same job holds the lock: this one must not start (or go on)."""


def job_name(spider: str, arguments: Mapping[str, Any]) -> str:
    """``spider`` followed by its arguments as ``name=value``, sorted: what a run lock is
    taken on and what the run history groups runs by."""
    parts = [f"{name}={value}" for name, value in sorted(arguments.items())]
    return " ".join([spider, *parts])


def run_status(stats: Mapping[str, Any]) -> str:
    """``finished`` when the crawl ended normally and did its job, else ``failed``.

    A run that got no response failed, except a distributed worker that sent no request:
    the other workers had emptied the shared queue before it could take anything.
    """
    if stats.get("finish_reason") != "finished":
        return "failed"
    idle_worker = stats.get(WORKER_STAT) and not stats.get("downloader/request_count")
    if not stats.get("response_received_count") and not idle_worker:
        return "failed"
    if stats.get("store/failed") or stats.get("store/spool_pending"):
        return "failed"
    return "finished"
