"""Exit statuses of ``scrapy crawl`` in this project, for cron and monitors.

Values follow BSD ``sysexits.h`` where one fits, so they mean something to tools that
already know those codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crawler.outcomes import ALARM_KEY, LOCK_LOST, RunRefused, run_status
from schemas.engine import DatabaseUnavailableError

#: The crawl finished and stored what it found.
OK = 0
#: The crawl ran but failed: closed for another reason than "finished", got no response
#: at all, or could not store some articles.
CRAWL_FAILED = 1
#: Scrapy's own code for a command-line usage error.
USAGE = 2
#: The crawl finished but its extraction coverage collapsed (EX_DATAERR): a coverage alarm
#: (pipelines.alarms), logged as ``Extraction alarm: ...`` and stored in crawl_runs.alarm.
EXTRACTION_ALARM = 65
#: The database could not be reached or migrated (EX_UNAVAILABLE).
DATABASE_UNAVAILABLE = 69
#: Another run of the same job holds the lock; try again later (EX_TEMPFAIL). Also a run
#: that stopped because another one took its lock while the database was restarting.
ALREADY_RUNNING = 75


def exit_code(stats: Mapping[str, Any], error: BaseException | None) -> int:
    """The exit status of a crawl from its final stats and its start-up error, if any.

    A failed run exits 1 even when its coverage raised an alarm too.
    """
    if isinstance(error, RunRefused):
        return ALREADY_RUNNING
    if isinstance(error, DatabaseUnavailableError):
        return DATABASE_UNAVAILABLE
    if error is not None:
        return CRAWL_FAILED
    if stats.get("finish_reason") == LOCK_LOST:
        return ALREADY_RUNNING
    if run_status(stats) != "finished":
        return CRAWL_FAILED
    return EXTRACTION_ALARM if stats.get(ALARM_KEY) else OK
