from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from crawler.parsing.dates import parse_date

NOW = datetime(2019, 4, 24, 12, 0, tzinfo=UTC)  # 14:00 in Paris


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019-04-24T10:47:00+02:00", "2019-04-24T10:47:00+02:00"),
        ("2019-11-09T08:35:00+01:00", "2019-11-09T08:35:00+01:00"),
        ("2019-04-24T08:47:00Z", "2019-04-24T08:47:00+00:00"),
        ("2019-04-24T10:47:00", "2019-04-24T10:47:00+02:00"),
        ("2019-01-15", "2019-01-15T00:00:00+01:00"),
        ("Wed, 24 Apr 2019 10:47:00 +0200", "2019-04-24T10:47:00+02:00"),
        ("publié le 24/04/2019 à 10:47", "2019-04-24T10:47:00+02:00"),
        ("Publié le 09/11/2019 à 08:35", "2019-11-09T08:35:00+01:00"),
        ("mis à jour le 24/04/2019 à 11h02", "2019-04-24T11:02:00+02:00"),
        ("le 24/04/2019 à 11h02", "2019-04-24T11:02:00+02:00"),
        ("le 24/04/2019   à 10h58", "2019-04-24T10:58:00+02:00"),
        ("mercredi 24 avril 2019", "2019-04-24T00:00:00+02:00"),
        ("il y a 3 heures", "2019-04-24T11:00:00+02:00"),
    ],
)
def test_parse(text: str, expected: str) -> None:
    result = parse_date(text, now=NOW)
    assert result is not None
    assert result.isoformat() == expected


@pytest.mark.parametrize(
    "text", [None, "", "   ", "abc", "3", "Soyez le premier à réagir", "2019-13-45T00:00:00",
             "x" * 200]
)
def test_unreadable_gives_none(text: str | None) -> None:
    assert parse_date(text, now=NOW) is None


def test_results_are_always_aware() -> None:
    for text in ("2019-04-24T10:47:00", "mercredi 24 avril 2019", "il y a 2 jours"):
        result = parse_date(text, now=NOW)
        assert result is not None and result.utcoffset() is not None


def test_datetime_input_is_returned_and_made_aware() -> None:
    aware = datetime(2019, 4, 24, 10, 47, tzinfo=timezone(timedelta(hours=2)))
    assert parse_date(aware) is aware
    assert parse_date(datetime(2019, 4, 24, 10, 47)).isoformat() == "2019-04-24T10:47:00+02:00"


def test_default_tz_is_configurable() -> None:
    assert parse_date("2019-04-24T10:47:00", default_tz="UTC").isoformat() == (
        "2019-04-24T10:47:00+00:00"
    )
