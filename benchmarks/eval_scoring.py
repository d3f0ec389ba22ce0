"""How one extracted field is compared with its expected value (pure functions).

Used by ``benchmarks.eval``; every function takes plain values (strings, lists, dates) so
the rules can be tested alone:

- title, lead: equal after Unicode NFC and whitespace normalization; an expected ``None``
  matches only a missing or blank value;
- authors: the same names in the same order, case- and whitespace-insensitive;
- publication: the same calendar day, read in the UTC offset of the expected value (an
  extracted time of 23:30 UTC is the next day in Paris);
- image: the same URL (surrounding whitespace ignored);
- body: precision, recall and F1 over word 4-gram shingles, counted with multiplicity
  (a paragraph extracted twice costs precision), lowercased, punctuation ignored.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, tzinfo

SHINGLE_SIZE = 4
_WORD = re.compile(r"\w+")


def normalize_space(text: str | None) -> str:
    """``text`` in NFC with runs of whitespace (no-break spaces included) made one space."""
    if not text:
        return ""
    return " ".join(unicodedata.normalize("NFC", text).split())


def same_text(expected: str | None, got: str | None) -> bool:
    """Whether ``got`` is ``expected`` up to whitespace; ``None`` and blank are alike."""
    return normalize_space(expected) == normalize_space(got)


def same_authors(expected: Sequence[str], got: Sequence[str] | None) -> bool:
    """Whether both lists name the same people in the same order, ignoring case and spacing."""

    def key(names: Sequence[str] | None) -> list[str]:
        return [normalize_space(name).casefold() for name in names or () if name.strip()]

    return key(expected) == key(got)


def day_of(value: datetime | date | str | None, tz: tzinfo | None) -> date | None:
    """The calendar day of ``value`` seen in ``tz``.

    ``value`` is an aware or naive ``datetime``, a ``date``, or an ISO 8601 string of
    either. A naive time or a bare date is taken as already local.
    """
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            value = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            try:
                return date.fromisoformat(text[:10])
            except ValueError:
                return None
    if isinstance(value, datetime):
        if value.tzinfo is not None and tz is not None:
            return value.astimezone(tz).date()
        return value.date()
    return value


def same_day(expected: str | None, got: datetime | date | str | None) -> bool:
    """Whether ``got`` falls on the day of ``expected`` (ISO 8601 with offset) at its offset."""
    if expected is None:
        return day_of(got, None) is None
    moment = datetime.fromisoformat(expected)
    return day_of(got, moment.tzinfo) == moment.date()


def same_url(expected: str | None, got: str | None) -> bool:
    """Whether both are the same URL, or both absent."""
    return (expected or "").strip() == (got or "").strip()


def words(text: str | None) -> list[str]:
    """The lowercased words of ``text``: runs of letters and digits, punctuation dropped."""
    if not text:
        return []
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def shingles(text: str | None, size: int = SHINGLE_SIZE) -> Counter[tuple[str, ...]]:
    """Word ``size``-grams of ``text`` with their counts; a shorter text is one shingle."""
    tokens = words(text)
    if not tokens:
        return Counter()
    if len(tokens) < size:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1))


def body_scores(expected: str | None, got: str | None) -> tuple[float, float, float]:
    """Precision, recall and F1 of ``got`` against ``expected`` over word 4-gram shingles.

    Two empty texts score 1.0 each; an empty extraction of a non-empty body scores 0.0
    each (a rejected page earns nothing).
    """
    want, have = shingles(expected), shingles(got)
    if not want and not have:
        return 1.0, 1.0, 1.0
    common = sum((want & have).values())
    precision = common / sum(have.values()) if have else 0.0
    recall = common / sum(want.values()) if want else 0.0
    if precision + recall == 0:
        return precision, recall, 0.0
    return precision, recall, 2 * precision * recall / (precision + recall)


def mean(values: Sequence[float]) -> float | None:
    """Arithmetic mean, ``None`` for no values."""
    return sum(values) / len(values) if values else None
