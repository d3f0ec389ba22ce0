"""Argument types shared by the commands that read the stored archive (search, export)."""

from __future__ import annotations

import argparse
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

#: Days given on the command line, and times shown, are the site's (Paris).
SITE_TZ = ZoneInfo("Europe/Paris")


def since(value: str) -> datetime:
    """``YYYY-MM-DD`` (that day's midnight in Paris) or an ISO 8601 time with its offset."""
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(), SITE_TZ)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a date as YYYY-MM-DD or a time with its offset, got {value!r}"
        ) from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{value!r} has no UTC offset (add +01:00, say)")
    return moment


def positive(value: str) -> int:
    """A whole number from 1 up."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 up, got {value!r}")
    return number
