"""``python -m crawler.export``: stored articles as records in the items' field names, on
real PostgreSQL and on SQLite; streamed; and a crawl of the sample site exported back."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from crawler.items import ArticleItem
from crawler.stored_articles import export_records
from pipelines.storage import Storage
from sample_site import ARTICLES, expected_article, serve
from tests.crawl_helpers import ROOT, scrapy_crawl

PARIS = timezone(timedelta(hours=1))
NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
URL1 = "https://www.rtl.fr/actu/international/kim-jong-un-en-russie-7797504917"
URL2 = "https://www.rtl.fr/culture/un-festival-sans-identifiant"


def kim() -> ArticleItem:
    return ArticleItem(
        url=URL1 + "?utm_source=rss",
        canonical_url=URL1,
        article_id="7797504917",
        section="international",
        title="Kim Jong-un en Russie",
        lead="Le dirigeant nord-coréen est arrivé à Vladivostok.",
        authors=["Marie Lefèvre", "Alice Martin"],
        co_credit="AFP",
        published_at=datetime(2019, 11, 9, 8, 35, tzinfo=PARIS),
        modified_at=datetime(2019, 11, 9, 10, 5, tzinfo=PARIS),
        reading_time_minutes=2,
        tags=["Russie", "Corée du Nord"],
        keywords=["Russie", "fil info"],
        image={"url": "https://cdn.rtl.fr/kim.jpg", "caption": "Kim à Vladivostok",
               "credit": "KCNA / AFP"},  # fmt: skip
        body="Premier paragraphe.\n\nSuite.",
        body_blocks=[{"type": "paragraph", "text": "Premier paragraphe."},
                     {"type": "paragraph", "text": "Suite."}],  # fmt: skip
        related_urls=["https://www.rtl.fr/actu/international/autre-7797500000"],
        language="fr",
        comments=[
            # A reply listed (and posted, to the minute) with its parent: parents first.
            {"comment_id": "c2", "parent_id": "c1", "author": "Paul",
             "posted_at": datetime(2019, 11, 9, 9, 0, tzinfo=PARIS), "text": "Réponse"},
            {"comment_id": "c1", "parent_id": None, "author": "Jean D.",
             "posted_at": datetime(2019, 11, 9, 9, 0, tzinfo=PARIS), "text": "Premier !"},
            {"comment_id": "c3", "parent_id": None, "author": "Jean D.",
             "posted_at": datetime(2019, 11, 9, 9, 30, tzinfo=PARIS), "text": "Premier !"},
        ],  # fmt: skip
        extraction={"title": "site:rtl/v2019", "published_at": "site:rtl/v2019"},
        aliases=[URL1 + "/amp"],
    )


def festival() -> ArticleItem:
    return ArticleItem(
        url=URL2,
        canonical_url=URL2,
        section="culture",
        title="Un festival",
        published_at=datetime(2019, 7, 1, 18, 0, tzinfo=timezone(timedelta(hours=2))),
        body="Texte.",
        body_blocks=[{"type": "paragraph", "text": "Texte."}],
        language="fr",
        comments=[{"comment_id": "k1", "parent_id": None, "author": None,
                   "posted_at": None, "text": "Anonyme"}],  # fmt: skip
        extraction={"title": "open_graph"},
    )


KIM = {
    "url": URL1 + "?utm_source=rss",
    "site": "rtl",
    "canonical_url": URL1,
    "article_id": "7797504917",
    "section": "international",
    "title": "Kim Jong-un en Russie",
    "lead": "Le dirigeant nord-coréen est arrivé à Vladivostok.",
    "authors": ["Marie Lefèvre", "Alice Martin"],
    "co_credit": "AFP",
    "published_at": "2019-11-09T07:35:00+00:00",
    "modified_at": "2019-11-09T09:05:00+00:00",
    "reading_time_minutes": 2,
    "tags": ["Russie", "Corée du Nord"],
    "keywords": ["Russie", "fil info"],
    "image": {"url": "https://cdn.rtl.fr/kim.jpg", "caption": "Kim à Vladivostok",
              "credit": "KCNA / AFP"},  # fmt: skip
    "body": "Premier paragraphe.\n\nSuite.",
    "body_blocks": [{"type": "paragraph", "text": "Premier paragraphe."},
                    {"type": "paragraph", "text": "Suite."}],  # fmt: skip
    "related_urls": ["https://www.rtl.fr/actu/international/autre-7797500000"],
    "language": "fr",
    "comments": [
        {"comment_id": "c1", "parent_id": None, "author": "Jean D.",
         "posted_at": "2019-11-09T08:00:00+00:00", "text": "Premier !"},
        {"comment_id": "c2", "parent_id": "c1", "author": "Paul",
         "posted_at": "2019-11-09T08:00:00+00:00", "text": "Réponse"},
        # Storage makes the later posting of the same text a repeat of the first.
        {"comment_id": "c3", "parent_id": None, "author": "Jean D.",
         "posted_at": "2019-11-09T08:30:00+00:00", "text": "Premier !", "duplicate_of": "c1"},
    ],  # fmt: skip
    "extraction": {"title": "site:rtl/v2019", "published_at": "site:rtl/v2019"},
    "aliases": [URL1, URL1 + "/amp", URL1 + "?utm_source=rss"],
}
FESTIVAL = {
    "url": URL2, "site": "rtl", "canonical_url": URL2, "article_id": None, "section": "culture",
    "title": "Un festival", "lead": None, "authors": [], "co_credit": None,
    "published_at": "2019-07-01T16:00:00+00:00", "modified_at": None,
    "reading_time_minutes": None, "tags": [], "keywords": [], "image": None,
    "body": "Texte.", "body_blocks": [{"type": "paragraph", "text": "Texte."}],
    "related_urls": [], "language": "fr",
    "comments": [{"comment_id": "k1", "parent_id": None, "author": None, "posted_at": None,
                  "text": "Anonyme"}],
    "extraction": {"title": "open_graph"}, "aliases": [URL2],
}  # fmt: skip


def without_comments(record: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if key != "comments"}


def _store(storage: Storage) -> None:
    result = storage.write_articles([kim(), festival()], now=NOW)
    assert (result.articles_new, result.comments_new) == (2, 4)


@pytest.fixture
def stored(storage: Storage, db_url: str) -> str:
    """URL of a database (PostgreSQL, then SQLite) holding the two articles."""
    _store(storage)
    return db_url


def records(url: str, **options: Any) -> list[dict[str, Any]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return list(export_records(conn, **options))
    finally:
        engine.dispose()


def test_records_in_the_items_field_names(stored: str) -> None:
    exported = records(stored, with_comments=True)
    assert exported == [FESTIVAL, KIM]  # oldest first
    assert list(exported[1]) == list(KIM)  # the item's field order


def test_without_comments_and_since(stored: str) -> None:
    assert records(stored) == [without_comments(FESTIVAL), without_comments(KIM)]
    since = datetime(2019, 11, 9, tzinfo=PARIS)
    assert records(stored, since=since) == [without_comments(KIM)]
    assert records(stored, since=since + timedelta(days=1)) == []


def test_batches_give_the_same_records(storage: Storage, db_url: str) -> None:
    items = []
    for n in range(7):
        item = festival()
        item.url = item.canonical_url = f"{URL2}-{n}"
        item.title = f"Festival {n}"
        item.published_at = datetime(2019, 7, 1 + n, 18, 0, tzinfo=PARIS)
        item.comments = [{**item.comments[0], "comment_id": f"k{n}"}]
        items.append(item)
    storage.write_articles(list(reversed(items)), now=NOW)

    by_two = records(db_url, with_comments=True, batch_size=2)
    assert [r["title"] for r in by_two] == [f"Festival {n}" for n in range(7)]
    assert [r["comments"][0]["comment_id"] for r in by_two] == [f"k{n}" for n in range(7)]
    assert by_two == records(db_url, with_comments=True)


def test_postgres_reads_through_a_server_side_cursor(pg_storage: Storage) -> None:
    _store(pg_storage)
    engine = pg_storage.engine
    try:
        with engine.connect() as conn:
            stream = export_records(conn, batch_size=1)
            first = next(stream)
            # The articles are fetched a batch at a time from a cursor held by the server.
            cursors = conn.exec_driver_sql("SELECT statement FROM pg_cursors").scalars().all()
            rest = list(stream)
    finally:
        engine.dispose()
    assert len(cursors) == 1
    assert cursors[0].startswith("DECLARE") and "FROM articles ORDER BY" in cursors[0]
    assert [first["title"], *(r["title"] for r in rest)] == ["Un festival", "Kim Jong-un en Russie"]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crawler.export", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_command_jsonl_to_stdout(stored: str) -> None:
    done = _cli("--with-comments", "--database-url", stored)
    assert done.returncode == 0, done.stderr
    assert [json.loads(line) for line in done.stdout.splitlines()] == [FESTIVAL, KIM]
    assert done.stderr == "Exported 2 articles (jsonl) to standard output\n"


def test_command_csv_to_a_file(stored: str, tmp_path: Path) -> None:
    out = tmp_path / "articles.csv"
    done = _cli("--since", "2019-11-01", "--output", str(out), "--database-url", stored)
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows[0] == list(without_comments(KIM))
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["title"] == "Kim Jong-un en Russie"
    assert row["body"] == "Premier paragraphe.\n\nSuite."
    assert json.loads(row["authors"]) == ["Marie Lefèvre", "Alice Martin"]
    assert json.loads(row["image"]) == KIM["image"]
    assert row["reading_time_minutes"] == "2"
    assert row["modified_at"] == "2019-11-09T09:05:00+00:00"
    assert not (tmp_path / "articles.csv.partial").exists()


def test_command_failures_leave_the_output_alone(tmp_path: Path) -> None:
    out = tmp_path / "articles.jsonl"
    out.write_text("earlier export\n")
    empty = f"sqlite:///{tmp_path / 'never-migrated.sqlite'}"
    done = _cli("--output", str(out), "--database-url", empty)
    assert done.returncode == 1
    assert "has no tables yet" in done.stderr
    assert out.read_text() == "earlier export\n"

    down = _cli("--output", str(out), "--database-url",
                "postgresql+psycopg://nobody:s3cret@127.0.0.1:1/x")  # fmt: skip
    assert down.returncode == 1
    assert "Cannot open the database" in down.stderr and "s3cret" not in down.stderr
    assert out.read_text() == "earlier export\n"

    bad = _cli("--since", "yesterday", "--database-url", empty)
    assert bad.returncode == 2
    assert "expected a date as YYYY-MM-DD" in bad.stderr


def test_command_cannot_write(stored: str, tmp_path: Path) -> None:
    done = _cli("--output", str(tmp_path / "missing" / "a.jsonl"), "--database-url", stored)
    assert done.returncode == 1
    assert "cannot write" in done.stderr and "No such file or directory" in done.stderr


def _instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _comparable(record: dict[str, Any]) -> dict[str, Any]:
    # Expected values carry the page's offset, the export UTC: compare instants.
    out = dict(record)
    out["published_at"] = _instant(out["published_at"])
    out["modified_at"] = _instant(out["modified_at"])
    out["comments"] = sorted(
        ({**c, "posted_at": _instant(c["posted_at"])} for c in out["comments"]),
        key=lambda c: c["comment_id"],
    )
    return out


def test_a_crawl_of_the_sample_site_exported_back(clean_pg_db_url: str, tmp_path: Path) -> None:
    with serve() as site:
        crawled = scrapy_crawl(site.base_url, clean_pg_db_url)
        base = site.base_url
    assert crawled.returncode == 0, crawled.stderr[-3000:]
    out = tmp_path / "archive.jsonl"

    done = _cli("--with-comments", "--output", str(out), "--database-url", clean_pg_db_url)

    assert done.returncode == 0, done.stderr
    exported = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(exported) == 34
    assert sum(len(r["comments"]) for r in exported) == 233
    dates = [r["published_at"] for r in exported]
    assert dates == sorted(dates)
    by_id = {r["article_id"]: r for r in exported}
    for spec in ARTICLES:
        record = by_id[spec.article_id]
        expected = expected_article(spec, base)
        if spec.twin_path:
            # The wire story: either of its URLs may have been read first.
            assert record["url"] in (expected["url"], base + spec.twin_path)
            expected.update(url=record["url"], canonical_url=record["canonical_url"],
                            section=record["section"])  # fmt: skip
        assert _comparable({k: record[k] for k in expected}) == _comparable(expected)
        assert expected["url"] in record["aliases"]
        ids = [c["comment_id"] for c in record["comments"]]
        for position, comment in enumerate(record["comments"]):
            if comment["parent_id"] in ids:
                assert ids.index(comment["parent_id"]) < position


def test_the_archive_commands_do_not_import_the_pipelines() -> None:
    # crawler/ is to stay independent of pipelines/ (issue 11).
    probe = (
        "import sys, crawler.search, crawler.export, crawler.feeds; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pipelines'))"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert (done.returncode, done.stdout) == (0, "[]\n"), done.stderr
