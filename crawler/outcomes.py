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


class RunRefused(RuntimeError):
    """Another run of the same job holds the lock: this one must not start (or go on)."""


def run_status(stats: Mapping[str, Any]) -> str:
    """``finished`` when the crawl ended normally and did its job, else ``failed``."""
    if stats.get("finish_reason") != "finished":
        return "failed"
    if not stats.get("response_received_count"):
        return "failed"
    if stats.get("store/failed") or stats.get("store/spool_pending"):
        return "failed"
    return "finished"
