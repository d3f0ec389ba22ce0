"""End to end (issue 8): the real ``scrapy crawl rtl`` keeps extracting when the sample site
changes its article layout (``sample_site.layouts``), into a clean PostgreSQL database."""

from __future__ import annotations

import re
import subprocess
from typing import Any

import pytest
import sqlalchemy as sa

from sample_site import ARTICLES, BROKEN_PAGES, article_url, expected_article, expected_totals
from sample_site import serve as serve_site
from tests.crawl_helpers import row_counts, scrapy_crawl
from tests.test_crawl_e2e import comparable, stored_articles

#: Runs real crawls (``scrapy crawl`` in a child process) against local servers.
pytestmark = pytest.mark.e2e

#: ``crawler.exitcodes``: the crawl ran but extraction coverage collapsed (EX_DATAERR).
EXTRACTION_ALARM = 65
#: Methods allowed for the fields of a 2021 page: the layout's own, or its JSON-LD.
METHODS_2021 = {"site:rtl/v2021", "json_ld"}
#: Fields compared with the expected values after a crawl of the 2021 layout.
FIELDS_2021 = ("title", "published_at", "modified_at", "authors", "lead", "image", "body")
#: Fields every layout must yield (the required ones), and the comments.
REQUIRED = ("title", "published_at", "body")
#: Tables whose row counts say whether an article (or comment) was lost or duplicated.
IDENTITY_TABLES = ("articles", "article_urls", "comments", "rejected_pages")
ALARM_LINE = re.compile(r"^\S+ \S+ \[[^\]]+\] ERROR: Extraction alarm: ", re.MULTILINE)


def tail(done: subprocess.CompletedProcess[str]) -> str:
    return done.stderr[-3000:]


def query(db_url: str, sql: str) -> list[Any]:
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text(sql)).all())
    finally:
        engine.dispose()


def extraction_by_id(db_url: str) -> dict[str, dict[str, str]]:
    """``articles.extraction`` (field -> method) of each stored article, by article id."""
    return {row[0]: row[1] or {} for row in query(
        db_url, "SELECT article_id, extraction FROM articles")}


def rejected(db_url: str) -> list[tuple[str, str]]:
    return sorted((url, reason) for url, reason in query(
        db_url, "SELECT url, reason FROM rejected_pages"))


def broken_pages(base_url: str) -> list[tuple[str, str]]:
    return sorted((article_url(page, base_url), page.reason)
                  for page in BROKEN_PAGES if page.reason)


def test_crawl_of_the_2021_layout_stores_every_article_from_its_own_markup(
    clean_pg_db_url: str,
) -> None:
    with serve_site(layout="2021") as site:
        done = scrapy_crawl(site.base_url, clean_pg_db_url)
        base = site.base_url
    assert done.returncode == 0, tail(done)

    # Only the broken pages are refused (today's parser refuses the 2021 articles as
    # missing_body: their text is only in the 2021 markup).
    assert rejected(clean_pg_db_url) == broken_pages(base)
    totals = expected_totals()
    counts = row_counts(clean_pg_db_url)
    assert (counts["articles"], counts["comments"]) == (totals["articles"], totals["comments"])

    stored = stored_articles(clean_pg_db_url)
    methods = extraction_by_id(clean_pg_db_url)
    for spec in ARTICLES:
        expected = comparable(expected_article(spec, base, "2021"))
        actual = comparable(stored[spec.article_id])
        for field in (*FIELDS_2021, "comments"):
            assert actual[field] == expected[field], (spec.article_id, field)
        for field in FIELDS_2021:
            if expected[field] is not None:
                method = methods[spec.article_id].get(field)
                assert method in METHODS_2021, (spec.article_id, field, method)


def test_unknown_layout_after_a_2019_crawl_loses_nothing_and_raises_the_alarm(
    clean_pg_db_url: str,
) -> None:
    with serve_site() as site:
        base = site.base_url
        first = scrapy_crawl(base, clean_pg_db_url)
        assert first.returncode == 0, tail(first)
        before = row_counts(clean_pg_db_url)
        totals = expected_totals()
        assert (before["articles"], before["comments"], before["rejected_pages"]) == (
            totals["articles"], totals["comments"], totals["rejected_pages"])

        site.set_layout("unknown")
        site.clear_requests()
        second = scrapy_crawl(base, clean_pg_db_url, settings={"RTL_INCREMENTAL": "False"})
        requests = site.requests

    # Every article page was read again in the new markup (no 304 from the old ETags).
    for spec in ARTICLES:
        answers = {r.status for r in requests if r.path.split("?")[0] == spec.path}
        assert 200 in answers, spec.path

    # Nothing lost, nothing duplicated, no stored article refused.
    assert rejected(clean_pg_db_url) == broken_pages(base)
    after = row_counts(clean_pg_db_url)
    assert {t: after[t] for t in IDENTITY_TABLES} == {t: before[t] for t in IDENTITY_TABLES}

    stored = stored_articles(clean_pg_db_url)
    methods = extraction_by_id(clean_pg_db_url)
    for spec in ARTICLES:
        expected = comparable(expected_article(spec, base, "unknown"))
        actual = comparable(stored[spec.article_id])
        for field in (*REQUIRED, "comments"):
            assert actual[field] == expected[field], (spec.article_id, field)
        # The second run read them without a site layout: generic layers only.
        for field in REQUIRED:
            method = methods[spec.article_id].get(field)
            assert method and not method.startswith("site:"), (spec.article_id, field, method)

    assert second.returncode == EXTRACTION_ALARM, tail(second)
    assert ALARM_LINE.search(second.stderr), tail(second)
