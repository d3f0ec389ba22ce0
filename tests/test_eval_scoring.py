"""The comparison rules of the evaluation (``benchmarks.eval_scoring``) and its tables."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from benchmarks.eval import (
    EvalPage,
    Extracted,
    PageScore,
    format_tables,
    results,
    score_page,
    summarize,
)
from benchmarks.eval_scoring import (
    body_scores,
    day_of,
    mean,
    normalize_space,
    same_authors,
    same_day,
    same_text,
    same_url,
    shingles,
    words,
)

PARIS_SUMMER = timezone(timedelta(hours=2))


def test_normalize_space_folds_no_break_spaces_and_composes() -> None:
    assert normalize_space("  Prix\u00a0:\n 4\u202f%  ") == "Prix : 4 %"
    assert normalize_space("e\u0301te\u0301") == "été"
    assert normalize_space(None) == ""


def test_same_text() -> None:
    assert same_text("Orages : vigilance orange", "Orages :\u00a0vigilance  orange")
    assert not same_text("Orages : vigilance orange", "Orages : vigilance Orange")
    assert same_text(None, "  ")
    assert same_text(None, None)
    assert not same_text(None, "Un chapô inventé")
    assert not same_text("Un chapô", None)


def test_same_authors_order_case_and_spacing() -> None:
    assert same_authors(["Yann Le Goff", "Aurélie Combes"], ["yann  le goff", "AURÉLIE COMBES"])
    assert not same_authors(["Yann Le Goff", "Aurélie Combes"], ["Aurélie Combes", "Yann Le Goff"])
    assert not same_authors(["Yann Le Goff"], ["Yann Le Goff", "AFP"])
    assert same_authors([], None)
    assert same_authors([], [" "])
    assert not same_authors([], ["AFP"])


def test_day_of_reads_the_value_at_the_expected_offset() -> None:
    late_utc = datetime(2022, 3, 14, 23, 30, tzinfo=UTC)
    assert day_of(late_utc, timezone(timedelta(hours=1))) == date(2022, 3, 15)
    assert day_of("2022-03-14T23:30:00Z", timezone(timedelta(hours=1))) == date(2022, 3, 15)
    assert day_of("2022-03-14", PARIS_SUMMER) == date(2022, 3, 14)
    assert day_of(datetime(2022, 3, 14, 23, 30), PARIS_SUMMER) == date(2022, 3, 14)
    assert day_of(date(2022, 3, 14), PARIS_SUMMER) == date(2022, 3, 14)
    assert day_of("mardi dernier", PARIS_SUMMER) is None
    assert day_of("", PARIS_SUMMER) is None
    assert day_of(None, PARIS_SUMMER) is None


def test_same_day() -> None:
    expected = "2022-03-15T00:30:00+01:00"
    assert same_day(expected, "2022-03-14T23:30:00+00:00")
    assert same_day(expected, datetime(2022, 3, 15, 0, 30, tzinfo=timezone(timedelta(hours=1))))
    assert not same_day(expected, "2022-03-14")
    assert not same_day(expected, None)
    assert same_day(None, None)
    assert not same_day(None, "2022-03-14")


def test_same_url() -> None:
    url = "https://images.rtl.fr/~c/1200v800/rtl/www/1-x.jpg"
    assert same_url(url, f" {url}\n")
    assert not same_url(url, url.replace("1200v800", "770v513"))
    assert same_url(None, None)
    assert same_url(None, "")
    assert not same_url(None, url)


def test_words_drop_punctuation_and_case() -> None:
    assert words("L'État « a dit » : 4,5 % !") == ["l", "état", "a", "dit", "4", "5"]
    assert words("l’État") == ["l", "état"]
    assert words(None) == []


def test_shingles_count_repeats_and_short_texts() -> None:
    assert shingles("un deux trois quatre cinq") == {
        ("un", "deux", "trois", "quatre"): 1,
        ("deux", "trois", "quatre", "cinq"): 1,
    }
    assert shingles("a b c d a b c d")[("a", "b", "c", "d")] == 2
    assert shingles("Trois mots seulement") == {("trois", "mots", "seulement"): 1}
    assert shingles("  ") == {}


def test_body_scores() -> None:
    text = "Le conseil municipal a voté la gratuité des cantines pour les familles modestes."
    assert body_scores(text, text) == (1.0, 1.0, 1.0)
    # Punctuation, case and line breaks do not count.
    assert body_scores(text, text.upper().replace(" ", "\n")) == (1.0, 1.0, 1.0)
    precision, recall, f1 = body_scores(text, text + " Publicité Partager sur Facebook et Twitter")
    assert recall == 1.0
    assert precision == pytest.approx(10 / 16)
    assert f1 == pytest.approx(2 * precision / (precision + 1))
    # A paragraph extracted twice costs precision.
    assert body_scores(text, f"{text}\n\n{text}")[0] < 0.6
    assert body_scores(text, None) == (0.0, 0.0, 0.0)
    assert body_scores(text, "rien à voir du tout ici") == (0.0, 0.0, 0.0)
    assert body_scores("", "") == (1.0, 1.0, 1.0)


def test_mean() -> None:
    assert mean([1.0, 0.0, 0.5]) == 0.5
    assert mean([]) is None


def page(group: str = "unknown") -> EvalPage:
    expected = {
        "url": "https://www.exemple.fr/actu/un-article",
        "group": group,
        "title": "Un titre",
        "lead": None,
        "authors": ["Anne Martin"],
        "published": "2021-06-09T08:00:00+02:00",
        "image": None,
        "body": "Un deux trois quatre cinq six sept huit.",
    }
    return EvalPage("un-article", group, b"<html></html>", expected)


def test_score_page_and_rejected_pages() -> None:
    right = Extracted(title="Un titre", authors=["anne martin"], published="2021-06-09",
                      body="Un deux trois quatre cinq six sept huit.")
    score = score_page(page(), "generic", right, 3.0)
    assert score.fields == {"title": True, "lead": True, "authors": True, "day": True,
                            "image": True}
    assert score.body_f1 == 1.0
    rejected = score_page(page(), "full", Extracted(rejected="missing_body"), 1.0)
    assert rejected.fields["title"] is False
    assert rejected.fields["authors"] is False
    assert rejected.body_f1 == 0.0
    assert rejected.rejected == "missing_body"
    # trafilatura has no lead: not scored for it.
    assert score_page(page(), "trafilatura", right, 1.0).fields["lead"] is None


def test_summarize_and_results_per_family() -> None:
    scores = [
        PageScore("a", "rtl_2019", "full", {"title": True, "lead": None, "authors": True,
                                             "day": True, "image": False}, 1.0, 1.0, 1.0, 2.0),
        PageScore("b", "other_sites", "full", {"title": False, "lead": None, "authors": True,
                                                "day": True, "image": True}, 0.5, 1.0, 2 / 3,
                  4.0, rejected=None),
        PageScore("c", "unknown", "full", {"title": True, "lead": None, "authors": False,
                                            "day": False, "image": True}, 1.0, 0.5, 2 / 3,
                  6.0),
    ]
    summary = summarize(scores)
    assert summary["pages"] == 3
    assert summary["title"] == pytest.approx(2 / 3)
    assert summary["lead"] is None
    assert summary["body_f1"] == pytest.approx((1 + 2 / 3 + 2 / 3) / 3)
    assert summary["cpu_ms"] == 4.0
    table = results(scores)
    assert table["full"]["site_layout"]["pages"] == 1
    assert table["full"]["no_site_layout"]["pages"] == 2
    assert table["full"]["no_site_layout"]["authors"] == 0.5
    assert table["full"]["all"]["pages"] == 3
    text = format_tables(table)
    assert "site-layout pages (1 pages)" in text
    assert "pages without a site layout (2 pages)" in text
    assert "n/a" in text
