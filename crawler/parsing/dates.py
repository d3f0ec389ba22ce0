"""Dates as RTL-style pages and feeds write them, turned into aware datetimes.

Machine formats (ISO 8601 attributes, RFC 2822 feed dates) are parsed with the standard
library; French prose ("publié le 24/04/2019 à 10:47", "mercredi 24 avril 2019",
"il y a 3 heures") goes to dateparser, which is imported only when needed because its
import costs a noticeable fraction of a second.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo
from email.utils import parsedate_to_datetime
from typing import Any
from zoneinfo import ZoneInfo

DEFAULT_TZ = "Europe/Paris"

# Labels that precede the date in bylines; dateparser does not know them.
_LABEL = re.compile(
    r"^\s*(?:(?:publi[ée]e?|mis(?:e)?\s+[àa]\s+jour|modifi[ée]e?|actualis[ée]e?"
    r"|mise\s+[àa]\s+jour|post[ée]e?)\s*(?:le|:)?|le)\s+",
    re.IGNORECASE,
)
# A bare number ("3") is read by dateparser as a day of the current month; no page
# writes a date that way, so such strings are refused rather than guessed.
_BARE_NUMBER = re.compile(r"^\s*\d{1,3}\s*$")
# Anything longer is a sentence, not a date.
_MAX_TEXT_LENGTH = 80

#: A date written in a line of text: "23/11/2019 - 10:00", "2 novembre 2023 à 10h15".
DATE_IN_TEXT = re.compile(
    r"\b\d{1,2}[/.]\d{1,2}[/.](?:19|20)\d{2}(?:\s*(?:[-,à]|\s)\s*\d{1,2}\s*[h:]\s*\d{2})?"
    r"|\b\d{1,2}(?:er)?\s+(?:janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[uû]t|septembre"
    r"|octobre|novembre|d[ée]cembre)\s+(?:19|20)\d{2}(?:\s+[àa]\s+\d{1,2}\s*[h:]\s*\d{2})?",
    re.IGNORECASE,
)

#: Nothing on the site predates the web; earlier dates are parsing accidents.
EARLIEST_PLAUSIBLE = datetime(1990, 1, 1, tzinfo=UTC)
#: Clocks and time zones differ a little; more than this ahead is a wrong date.
FUTURE_TOLERANCE = timedelta(days=2)


def _zone(name: str) -> tzinfo:
    return ZoneInfo(name)


def _aware(value: datetime, default_tz: str) -> datetime:
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        return value.replace(tzinfo=_zone(default_tz))
    return value


def _from_iso(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _from_rfc2822(text: str) -> datetime | None:
    if not re.search(r"[A-Za-z]{3},?\s+\d", text):
        return None
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _from_french_text(text: str, default_tz: str, now: datetime | None) -> datetime | None:
    import dateparser  # slow import, see the module docstring

    text = _LABEL.sub("", text)
    settings: dict[str, Any] = {
        "TIMEZONE": default_tz,
        "RETURN_AS_TIMEZONE_AWARE": True,
        "DATE_ORDER": "DMY",
        "PREFER_DATES_FROM": "past",
    }
    if now is not None:
        # dateparser reads RELATIVE_BASE as wall-clock time in TIMEZONE.
        settings["RELATIVE_BASE"] = (
            _aware(now, default_tz).astimezone(_zone(default_tz)).replace(tzinfo=None)
        )
    try:
        parsed = dateparser.parse(text, languages=["fr"], settings=settings)
    except (ValueError, OverflowError):
        # Page text is arbitrary; an unreadable date is a missing one, never a crash.
        return None
    if parsed is None:
        return None
    return _aware(parsed, default_tz).astimezone(_zone(default_tz))


def parse_date(
    value: str | datetime | None,
    default_tz: str = DEFAULT_TZ,
    now: datetime | None = None,
) -> datetime | None:
    """Parse a date as found on a page; always aware, ``None`` when unreadable.

    Naive values are taken as wall-clock time in ``default_tz``. ``now`` anchors relative
    text such as "il y a 3 heures" (default: the current time). A ``datetime`` is returned
    as is (made aware if naive), so cleaning may run twice.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return _aware(value, default_tz)
    text = " ".join(str(value).split())
    if not text or len(text) > _MAX_TEXT_LENGTH or _BARE_NUMBER.match(text):
        return None
    parsed = _from_iso(text) or _from_rfc2822(text)
    if parsed is not None:
        return _aware(parsed, default_tz)
    return _from_french_text(text, default_tz, now)


def is_plausible(value: datetime, now: datetime | None = None) -> bool:
    """True for an aware date between ``EARLIEST_PLAUSIBLE`` and ``FUTURE_TOLERANCE`` after
    ``now`` (aware; default: the current time): "1900" or "2999" are template accidents."""
    now = now if now is not None else datetime.now(UTC)
    return EARLIEST_PLAUSIBLE <= value <= now + FUTURE_TOLERANCE
