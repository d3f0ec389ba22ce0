"""End to end: ``scrapy crawl rtl`` over HTTP against the sample site, into real databases."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from sample_site import (
    ARTICLES,
    BROKEN_PAGES,
    PRIVATE_PATH,
    SampleServer,
    article_url,
    expected_article,
    expected_totals,
)
from tests.crawl_helpers import row_counts, scrapy_crawl, table_dump

#: Runs real crawls (``scrapy crawl`` in a child process) against local servers.
pytestmark = pytest.mark.e2e

WIRE_STORY = "7797924455"
#: Columns a re-crawl may legitimately touch: times seen and refusal bookkeeping.
RECRAWL_COLUMNS = ("last_seen_at", "rejected_at", "times_rejected", "run_id")


def crawl(site: SampleServer, db_url: str, *args: str, **settings: str) -> str:
    done = scrapy_crawl(site.base_url, db_url, *args, settings=settings or None)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stderr


def stored_articles(db_url: str) -> dict[str, dict[str, Any]]:
    """Each stored article in the item contract's names and JSON forms, by article id."""
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT * FROM articles")).mappings().all()
            names = conn.execute(
                sa.text(
                    "SELECT aa.article_id AS pk, au.name, 'authors' AS kind, aa.position"
                    " FROM article_authors aa JOIN authors au ON au.id = aa.author_id"
                    " UNION ALL SELECT at.article_id, t.name, 'tags', at.position"
                    " FROM article_tags at JOIN tags t ON t.id = at.tag_id"
                    " ORDER BY 1, 3, 4"
                )
            ).all()
            comments = conn.execute(
                sa.text(
                    "SELECT article_id, comment_id, parent_id, author, posted_at, text,"
                    " duplicate_of FROM comments ORDER BY id"
                )
            ).mappings().all()
    finally:
        engine.dispose()
    out: dict[str, dict[str, Any]] = {}
    by_pk: dict[int, dict[str, Any]] = {}
    for row in rows:
        image = None
        if row["image_url"]:
            image = {"url": row["image_url"], "caption": row["image_caption"],
                     "credit": row["image_credit"]}  # fmt: skip
        article = {
            "url": row["url"],
            "canonical_url": row["canonical_url"],
            "article_id": row["article_id"],
            "section": row["section"],
            "title": row["title"],
            "lead": row["lead"],
            "authors": [],
            "co_credit": row["co_credit"],
            "published_at": row["published_at"],
            "modified_at": row["modified_at"],
            "reading_time_minutes": row["reading_time_minutes"],
            "tags": [],
            "keywords": row["keywords"],
            "image": image,
            "body": row["body"],
            "body_blocks": row["body_blocks"],
            "related_urls": row["related_urls"],
            "language": row["language"],
            "comments": [],
        }
        out[row["article_id"]] = by_pk[row["id"]] = article
    for pk, name, kind, _ in names:
        by_pk[pk][kind].append(name)
    for comment in comments:
        entry = {
            "comment_id": comment["comment_id"],
            "parent_id": comment["parent_id"],
            "author": comment["author"],
            "posted_at": comment["posted_at"],
            "text": comment["text"],
        }
        if comment["duplicate_of"]:
            entry["duplicate_of"] = comment["duplicate_of"]
        by_pk[comment["article_id"]]["comments"].append(entry)
    return out


def comparable(article: dict[str, Any]) -> dict[str, Any]:
    """Expected values hold times as ISO strings; compare instants, comments by id."""
    from datetime import datetime

    def instant(value: Any) -> Any:
        return datetime.fromisoformat(value) if isinstance(value, str) else value

    result = dict(article)
    result["published_at"] = instant(result["published_at"])
    result["modified_at"] = instant(result["modified_at"])
    result["comments"] = sorted(
        ({**c, "posted_at": instant(c["posted_at"])} for c in result["comments"]),
        key=lambda c: c["comment_id"],
    )
    return result


def test_full_crawl_into_postgres_stores_the_sample_site_exactly(
    site: SampleServer, clean_pg_db_url: str
) -> None:
    crawl(site, clean_pg_db_url)

    totals = expected_totals()
    counts = row_counts(clean_pg_db_url)
    assert counts["articles"] == totals["articles"] == 34
    assert counts["comments"] == totals["comments"] == 233
    assert counts["rejected_pages"] == totals["rejected_pages"] == 5
    assert counts["article_urls"] >= totals["article_urls_min"]

    stored = stored_articles(clean_pg_db_url)
    base = site.base_url
    for spec in ARTICLES:
        expected = expected_article(spec, base)
        actual = stored[spec.article_id]
        if spec.article_id == WIRE_STORY:
            # Either copy may be fetched first; the other becomes an alias.
            twin = base + spec.twin_path
            assert actual["url"] in (expected["url"], twin)
            expected = {**expected, "url": actual["url"], "canonical_url": actual["canonical_url"],
                        "section": actual["section"]}  # fmt: skip
        assert comparable(actual) == comparable(expected), spec.article_id

    engine = sa.create_engine(clean_pg_db_url)
    try:
        with engine.connect() as conn:
            rejected = conn.execute(
                sa.text("SELECT url, reason FROM rejected_pages ORDER BY url")
            ).all()
            wire_urls = conn.scalars(
                sa.text(
                    "SELECT u.url FROM article_urls u JOIN articles a ON a.id = u.article_id"
                    " WHERE a.article_id = :id"
                ),
                {"id": WIRE_STORY},
            ).all()
            run = conn.execute(sa.text("SELECT * FROM crawl_runs")).mappings().one()
    finally:
        engine.dispose()
    assert rejected == sorted(
        (article_url(page, base), page.reason) for page in BROKEN_PAGES if page.reason
    )
    wire = next(spec for spec in ARTICLES if spec.article_id == WIRE_STORY)
    assert {article_url(wire, base), base + wire.twin_path} <= set(wire_urls)

    # robots.txt is obeyed; the 500 page is retried 3 times, then recorded.
    assert site.count(PRIVATE_PATH) == 0
    broken_500 = next(page for page in BROKEN_PAGES if page.reason == "http_500")
    assert site.count(broken_500.path) == 4

    assert (run["status"], run["finish_reason"]) == ("finished", "finished")
    assert (run["articles_new"], run["comments_new"], run["pages_rejected"]) == (34, 233, 5)
    assert run["responses_by_status"]["500"] == 4


def test_same_full_crawl_twice_leaves_the_tables_unchanged(
    site: SampleServer, clean_pg_db_url: str
) -> None:
    # Incremental runs would skip the stored pages; this re-reads every one of them.
    crawl(site, clean_pg_db_url, RTL_INCREMENTAL="False")
    first = table_dump(clean_pg_db_url, ignore=RECRAWL_COLUMNS)
    site.clear_requests()

    crawl(site, clean_pg_db_url, RTL_INCREMENTAL="False")

    assert table_dump(clean_pg_db_url, ignore=RECRAWL_COLUMNS) == first
    assert row_counts(clean_pg_db_url)["articles"] == 34
    # It did read the articles again (every article page, answered 200 or 304).
    assert all(site.count(spec.path) >= 1 for spec in ARTICLES)


def test_one_article_by_url(site: SampleServer, clean_pg_db_url: str) -> None:
    seed = next(spec for spec in ARTICLES if spec.article_id == "7797504917")
    url = article_url(seed, site.base_url) + "?utm_source=twitter#comments"

    crawl(site, clean_pg_db_url, f"url={url}")

    stored = stored_articles(clean_pg_db_url)
    assert list(stored) == ["7797504917"]
    expected = expected_article(seed, site.base_url)
    assert comparable(stored["7797504917"]) == comparable(expected)
    # Only that article and its comment pages were read.
    assert {r.path.split("?")[0] for r in site.requests} == {
        "/robots.txt", seed.path, seed.path + "/commentaires",
    }  # fmt: skip


def test_one_section(site: SampleServer, clean_pg_db_url: str) -> None:
    crawl(site, clean_pg_db_url, "section=sport")

    stored = stored_articles(clean_pg_db_url)
    in_listing = {spec.article_id for spec in ARTICLES if spec.listing == "sport"}
    assert set(stored) == in_listing
    assert len(in_listing) >= 3
    assert not any(r.path.startswith("/sitemap") or r.path.startswith("/flux")
                   for r in site.requests)  # fmt: skip


def test_since_skips_older_articles(site: SampleServer, clean_pg_db_url: str) -> None:
    crawl(site, clean_pg_db_url, "since=2019-12-01")

    stored = stored_articles(clean_pg_db_url)
    assert set(stored) == {
        spec.article_id for spec in ARTICLES if spec.published_at.date().isoformat() >= "2019-12-01"
    }


def test_full_crawl_into_sqlite_gives_the_same_counts(
    site: SampleServer, tmp_path: Any
) -> None:
    db_url = f"sqlite:///{tmp_path / 'crawl.sqlite'}"

    crawl(site, db_url)

    counts = row_counts(db_url)
    assert (counts["articles"], counts["comments"], counts["rejected_pages"]) == (34, 233, 5)
