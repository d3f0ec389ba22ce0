"""Storage writer and Scrapy store pipeline, on real PostgreSQL and on SQLite."""

from __future__ import annotations

import copy
import logging
import tempfile
import traceback
import warnings
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from scrapy.exceptions import ScrapyDeprecationWarning
from scrapy.pipelines import ItemPipelineManager
from scrapy.utils.test import get_crawler

from crawler.items import ArticleItem, RejectedPageItem
from pipelines.storage import Storage, WriteResult, content_hash
from pipelines.store import StorePipeline
from schemas.engine import DatabaseUnavailableError
from schemas.tables import metadata

PARIS = timezone(timedelta(hours=1))
SUMMER = timezone(timedelta(hours=2))
NOW1 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
NOW2 = datetime(2024, 3, 2, 12, 0, tzinfo=UTC)
NOW3 = datetime(2024, 3, 3, 12, 0, tzinfo=UTC)

URL1 = "https://www.rtl.fr/actu/international/kim-jong-un-en-russie-7797504917"
URL2 = "https://www.rtl.fr/culture/arts-spectacles/un-festival-sans-identifiant"
TABLES = [table.name for table in metadata.sorted_tables]


def article_one() -> ArticleItem:
    return ArticleItem(
        url=URL1 + "?utm_source=rss",
        canonical_url=URL1,
        article_id="7797504917",
        section="international",
        title="Kim Jong-un en Russie",
        lead="Le dirigeant nord-coréen est arrivé à Vladivostok.",
        # Not alphabetical: the summary view must keep page order.
        authors=["Marie Lefèvre", "Alice Martin"],
        co_credit="AFP",
        published_at=datetime(2019, 11, 9, 8, 35, tzinfo=PARIS),
        modified_at=datetime(2019, 11, 9, 10, 5, tzinfo=PARIS),
        reading_time_minutes=2,
        tags=["Russie", "Corée du Nord"],
        keywords=["Russie", "Corée du Nord", "fil info"],
        image={
            "url": "https://cdn.rtl.fr/kim.jpg",
            "caption": "Kim Jong-un à Vladivostok",
            "credit": "KCNA VIA KNS / AFP",
        },
        body="Premier paragraphe.\n\nLe nucléaire toujours en négociation\n\nSuite.",
        body_blocks=[
            {"type": "paragraph", "text": "Premier paragraphe."},
            {"type": "heading", "text": "Le nucléaire toujours en négociation"},
            {"type": "paragraph", "text": "Suite."},
        ],
        related_urls=["https://www.rtl.fr/actu/international/autre-7797500000"],
        language="fr",
        comments=[
            {
                "comment_id": "c1",
                "parent_id": None,
                "author": "Jean D.",
                "posted_at": datetime(2019, 11, 9, 9, 0, tzinfo=PARIS),
                "text": "Premier !",
            },
            {
                "comment_id": "c2",
                "parent_id": "c1",
                "author": "Paul",
                "posted_at": datetime(2019, 11, 9, 9, 5, tzinfo=PARIS),
                "text": "Une réponse <b>en gras</b>",
            },
            {
                "comment_id": "c3",
                "parent_id": None,
                "author": "Jean D.",
                "posted_at": None,
                "text": "Premier !",
                "duplicate_of": "c1",
            },
        ],
        extraction={"title": "site:rtl/v2019", "published_at": "site:rtl/v2019"},
        aliases=[URL1 + "?utm_source=rss", URL1, URL1 + "/amp"],
    )


def article_two() -> ArticleItem:
    return ArticleItem(
        url=URL2,
        canonical_url=URL2,
        section="culture",
        title="Un festival",
        lead=None,
        authors=["Alice Martin"],
        published_at=datetime(2019, 7, 1, 18, 0, tzinfo=SUMMER),
        tags=["Culture"],
        body="Texte.",
        body_blocks=[{"type": "paragraph", "text": "Texte."}],
        language="fr",
        comments=[
            {
                "comment_id": "k1",
                "parent_id": None,
                "author": None,
                "posted_at": datetime(2019, 7, 1, 19, 0, tzinfo=SUMMER),
                "text": "Anonyme",
            }
        ],
        extraction={"title": "open_graph"},
        aliases=[URL2],
    )


def batch() -> list[ArticleItem]:
    return [article_one(), article_two()]


def dump(
    engine: sa.Engine,
    *,
    skip: tuple[str, ...] = ("last_seen_at",),
    skip_tables: tuple[str, ...] = (),
) -> dict[str, list]:
    """Every row of every table, in key order, without the ``skip`` columns."""
    out = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            if table.name in skip_tables:
                continue
            columns = [c for c in table.c if c.name not in skip]
            rows = conn.execute(sa.select(*columns).order_by(*table.primary_key.columns))
            out[table.name] = [tuple(row) for row in rows]
    return out


def counts(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            name: conn.scalar(sa.select(sa.func.count()).select_from(metadata.tables[name]))
            for name in TABLES
        }


def rows(engine: sa.Engine, table: str, order_by: str = "id") -> list[dict[str, Any]]:
    t = metadata.tables[table]
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(t).order_by(t.c[order_by])).mappings()]


def expect(**nonzero: int) -> dict[str, int]:
    base = dict.fromkeys(WriteResult().counts(), 0)
    base.update(nonzero)
    return base


# --- first write -----------------------------------------------------------------------


def test_first_write_stores_exact_rows(storage: Storage) -> None:
    result = storage.write_articles(batch(), now=NOW1)

    assert result.counts() == expect(articles_new=2, comments_new=4, aliases_new=4)
    assert result.failures == []
    assert counts(storage.engine) == {
        "articles": 2,
        "authors": 2,
        "tags": 3,
        "rejected_pages": 0,
        "article_versions": 2,
        "crawl_runs": 0,
        "article_urls": 4,
        "article_authors": 3,
        "article_tags": 3,
        "comments": 4,
    }

    first, second = rows(storage.engine, "articles")
    assert first == {
        "id": 1,
        "identity": "rtl:7797504917",
        "site": "rtl",
        "article_id": "7797504917",
        "url": URL1 + "?utm_source=rss",
        "canonical_url": URL1,
        "section": "international",
        "title": "Kim Jong-un en Russie",
        "lead": "Le dirigeant nord-coréen est arrivé à Vladivostok.",
        "body": "Premier paragraphe.\n\nLe nucléaire toujours en négociation\n\nSuite.",
        "body_blocks": article_one().body_blocks,
        "co_credit": "AFP",
        "published_at": datetime(2019, 11, 9, 8, 35, tzinfo=PARIS),
        "modified_at": datetime(2019, 11, 9, 10, 5, tzinfo=PARIS),
        "reading_time_minutes": 2,
        "keywords": ["Russie", "Corée du Nord", "fil info"],
        "image_url": "https://cdn.rtl.fr/kim.jpg",
        "image_caption": "Kim Jong-un à Vladivostok",
        "image_credit": "KCNA VIA KNS / AFP",
        "related_urls": ["https://www.rtl.fr/actu/international/autre-7797500000"],
        "language": "fr",
        "extraction": {"title": "site:rtl/v2019", "published_at": "site:rtl/v2019"},
        "content_hash": content_hash(
            "Kim Jong-un en Russie",
            "Le dirigeant nord-coréen est arrivé à Vladivostok.",
            article_one().body,
        ),
        "first_seen_at": NOW1,
        "last_seen_at": NOW1,
        "version": 1,
        "fingerprint": first["fingerprint"],
        "duplicate_of": None,
        "duplicate_similarity": None,
        "first_run_id": None,
        "etag": None,
        "http_last_modified": None,
    }
    assert len(first["fingerprint"]) == 522
    versions = rows(storage.engine, "article_versions")
    assert [(v["article_id"], v["version"], v["title"], v["captured_at"]) for v in versions] == [
        (1, 1, "Kim Jong-un en Russie", NOW1),
        (2, 1, "Un festival", NOW1),
    ]
    for name in ("published_at", "modified_at", "first_seen_at", "last_seen_at"):
        assert first[name].utcoffset() is not None, name
    # No article id in the URL: the canonical URL is the identity; empty values are NULL.
    assert second["identity"] == URL2
    assert second["article_id"] is None
    assert second["lead"] is None
    assert second["image_url"] is None
    assert second["published_at"] == datetime(2019, 7, 1, 16, 0, tzinfo=UTC)

    with storage.engine.connect() as conn:
        authors = conn.execute(
            sa.text(
                "SELECT a.article_id, au.name, a.position FROM article_authors a "
                "JOIN authors au ON au.id = a.author_id ORDER BY a.article_id, a.position"
            )
        ).all()
        tags = conn.execute(
            sa.text(
                "SELECT a.article_id, t.name, a.position FROM article_tags a "
                "JOIN tags t ON t.id = a.tag_id ORDER BY a.article_id, a.position"
            )
        ).all()
        urls = conn.execute(sa.text("SELECT url, article_id FROM article_urls ORDER BY url")).all()
    assert [tuple(r) for r in authors] == [
        (1, "Marie Lefèvre", 0),
        (1, "Alice Martin", 1),
        (2, "Alice Martin", 0),
    ]
    assert [tuple(r) for r in tags] == [
        (1, "Russie", 0),
        (1, "Corée du Nord", 1),
        (2, "Culture", 0),
    ]
    assert [tuple(r) for r in urls] == sorted(
        [(URL1, 1), (URL1 + "/amp", 1), (URL1 + "?utm_source=rss", 1), (URL2, 2)]
    )

    stored_comments = rows(storage.engine, "comments")
    assert [
        {k: v for k, v in c.items() if k not in ("id", "first_seen_at", "last_seen_at")}
        for c in stored_comments
    ] == [
        {
            "comment_id": "c1",
            "site": "rtl",
            "article_id": 1,
            "parent_id": None,
            "author": "Jean D.",
            "posted_at": datetime(2019, 11, 9, 9, 0, tzinfo=PARIS),
            "text": "Premier !",
            "duplicate_of": None,
            "duplicate_kind": None,
            "first_run_id": None,
        },
        {
            "comment_id": "c2",
            "site": "rtl",
            "article_id": 1,
            "parent_id": "c1",
            "author": "Paul",
            "posted_at": datetime(2019, 11, 9, 9, 5, tzinfo=PARIS),
            "text": "Une réponse <b>en gras</b>",
            "duplicate_of": None,
            "duplicate_kind": None,
            "first_run_id": None,
        },
        {
            "comment_id": "c3",
            "site": "rtl",
            "article_id": 1,
            "parent_id": None,
            "author": "Jean D.",
            "posted_at": None,
            "text": "Premier !",
            "duplicate_of": "c1",
            "duplicate_kind": "exact",
            "first_run_id": None,
        },
        {
            "comment_id": "k1",
            "site": "rtl",
            "article_id": 2,
            "parent_id": None,
            "author": None,
            "posted_at": datetime(2019, 7, 1, 19, 0, tzinfo=SUMMER),
            "text": "Anonyme",
            "duplicate_of": None,
            "duplicate_kind": None,
            "first_run_id": None,
        },
    ]
    assert all(c["first_seen_at"] == c["last_seen_at"] == NOW1 for c in stored_comments)
    assert stored_comments[0]["posted_at"].utcoffset() is not None


# --- re-crawls -------------------------------------------------------------------------


def test_rewriting_the_same_batch_changes_only_last_seen(storage: Storage) -> None:
    storage.write_articles(batch(), now=NOW1)
    before = dump(storage.engine)

    result = storage.write_articles(batch(), now=NOW2)

    assert result.counts() == expect(articles_unchanged=2)
    assert dump(storage.engine) == before
    for table in ("articles", "comments"):
        for row in rows(storage.engine, table):
            assert (row["first_seen_at"], row["last_seen_at"]) == (NOW1, NOW2)


def test_rewriting_inside_one_batch_twice_is_idempotent(storage: Storage) -> None:
    # The same article twice in one batch (dedupe disabled, or two crawls' leftovers).
    result = storage.write_articles([article_one(), article_one()], now=NOW1)

    assert result.counts() == expect(
        articles_new=1, articles_unchanged=1, comments_new=3, aliases_new=3
    )
    assert counts(storage.engine)["articles"] == 1
    assert counts(storage.engine)["comments"] == 3


def test_edited_body_counts_as_update_and_changes_hash(storage: Storage) -> None:
    storage.write_articles(batch(), now=NOW1)
    (old_hash,) = [r["content_hash"] for r in rows(storage.engine, "articles")][:1]
    edited = article_one()
    edited.body = "Premier paragraphe, corrigé.\n\nSuite."

    result = storage.write_articles([edited, article_two()], now=NOW2)

    assert result.counts() == expect(articles_updated=1, articles_unchanged=1, versions_new=1)
    first = rows(storage.engine, "articles")[0]
    assert first["body"] == edited.body
    assert first["content_hash"] == content_hash(edited.title, edited.lead, edited.body)
    assert first["content_hash"] != old_hash
    assert (first["first_seen_at"], first["last_seen_at"]) == (NOW1, NOW2)
    assert counts(storage.engine)["articles"] == 2


def test_whitespace_only_edit_keeps_hash() -> None:
    assert content_hash("Titre", "Chapô", "a  b\n\nc") == content_hash("Titre ", "Chapô", "a b c")
    assert content_hash("Titre", "Chapô", "x") != content_hash("Titre", None, "Chapô x")


def test_changed_authors_or_tags_count_as_update(storage: Storage) -> None:
    storage.write_articles(batch(), now=NOW1)
    edited = article_one()
    edited.authors = ["Alice Martin"]
    edited.tags = ["Russie", "Corée du Nord", "Vladimir Poutine"]

    result = storage.write_articles([edited], now=NOW2)

    assert result.counts() == expect(articles_updated=1)
    with storage.engine.connect() as conn:
        summary = conn.execute(
            sa.text("SELECT authors, tags FROM article_summary WHERE id = 1")
        ).one()
    assert tuple(summary) == ("Alice Martin", "Russie, Corée du Nord, Vladimir Poutine")
    assert counts(storage.engine)["article_authors"] == 2
    assert counts(storage.engine)["authors"] == 2  # Marie Lefèvre stays as a name


def test_a_read_without_byline_or_tags_keeps_the_stored_ones(storage: Storage) -> None:
    # A layout the parser lost track of finds no byline or tags: that is not an edit.
    storage.write_articles(batch(), now=NOW1)
    with storage.engine.connect() as conn:
        query = sa.text("SELECT authors, tags FROM article_summary WHERE id = 1")
        before = tuple(conn.execute(query).one())
    unread = article_one()
    unread.authors, unread.tags = [], []

    result = storage.write_articles([unread], now=NOW2)

    assert result.counts() == expect(articles_unchanged=1)
    with storage.engine.connect() as conn:
        assert tuple(conn.execute(query).one()) == before
    assert before[0] and before[1]


def test_recrawl_adds_new_comment_and_keeps_old_ones(storage: Storage) -> None:
    storage.write_articles(batch(), now=NOW1)
    again = article_one()
    # c3 fell off the pages this time: it must stay stored, untouched.
    again.comments = [
        *again.comments[:2],
        {
            "comment_id": "c4",
            "parent_id": "c2",
            "author": "Zoé",
            "posted_at": datetime(2019, 11, 10, 7, 0, tzinfo=PARIS),
            "text": "Une nouvelle réponse",
        },
    ]

    result = storage.write_articles([again], now=NOW2)

    assert result.counts() == expect(articles_unchanged=1, comments_new=1)
    stored = {c["comment_id"]: c for c in rows(storage.engine, "comments")}
    assert sorted(stored) == ["c1", "c2", "c3", "c4", "k1"]
    assert (stored["c1"]["first_seen_at"], stored["c1"]["last_seen_at"]) == (NOW1, NOW2)
    assert (stored["c3"]["first_seen_at"], stored["c3"]["last_seen_at"]) == (NOW1, NOW1)
    assert (stored["c4"]["first_seen_at"], stored["c4"]["last_seen_at"]) == (NOW2, NOW2)
    assert stored["c4"]["article_id"] == 1
    assert stored["c4"]["parent_id"] == "c2"
    assert stored["c1"]["id"] == 1  # the old rows were not re-created


def test_edited_comment_is_updated_not_duplicated(storage: Storage) -> None:
    storage.write_articles(batch(), now=NOW1)
    again = article_one()
    again.comments[1] = {**again.comments[1], "text": "Une réponse (modifiée)"}
    # Seen this time without the duplicate mark (its first copy was not in this crawl):
    # the stored mark stays.
    again.comments[2] = {k: v for k, v in again.comments[2].items() if k != "duplicate_of"}

    result = storage.write_articles([again], now=NOW2)

    assert result.counts() == expect(articles_unchanged=1, comments_updated=1)
    stored = {c["comment_id"]: c for c in rows(storage.engine, "comments")}
    assert len(stored) == 4
    assert stored["c2"]["text"] == "Une réponse (modifiée)"
    assert (stored["c2"]["first_seen_at"], stored["c2"]["last_seen_at"]) == (NOW1, NOW2)
    assert stored["c3"]["duplicate_of"] == "c1"


def test_same_article_under_two_urls_is_one_row(storage: Storage) -> None:
    first = article_one()
    first.url, first.aliases = URL1, [URL1]
    other_url = "https://www.rtl.fr/actu/monde/kim-jong-un-en-russie-nouveau-titre-7797504917"
    second = article_one()
    second.url, second.aliases = other_url, [other_url]
    second.comments = [
        {
            "comment_id": "c9",
            "parent_id": None,
            "author": "Lu",
            "posted_at": None,
            "text": "Vu sur l'autre adresse",
        }
    ]

    assert storage.write_articles([first], now=NOW1).counts() == expect(
        articles_new=1, comments_new=3, aliases_new=1
    )
    assert storage.write_articles([second], now=NOW2).counts() == expect(
        articles_unchanged=1, comments_new=1, aliases_new=1
    )

    (article,) = rows(storage.engine, "articles")
    assert article["url"] == URL1  # the first address stays the article's URL
    assert sorted(r["url"] for r in rows(storage.engine, "article_urls", "url")) == sorted(
        [URL1, other_url]
    )
    assert {r["article_id"] for r in rows(storage.engine, "article_urls", "url")} == {1}
    assert {c["article_id"] for c in rows(storage.engine, "comments")} == {1}
    assert counts(storage.engine)["comments"] == 4


# --- failures --------------------------------------------------------------------------


def _break_title(item: ArticleItem) -> None:
    item.title = None


def _break_comment(item: ArticleItem) -> None:
    # Fails after the article row, authors, tags and URLs were written.
    item.comments.append({"comment_id": "bad-2", "parent_id": None, "author": "x", "text": None})


def _break_date(item: ArticleItem) -> None:
    item.published_at = datetime(2019, 11, 9, 8, 35)  # naive: refused


def _break_comment_date(item: ArticleItem) -> None:
    # Comments stream into PostgreSQL by COPY, past the column types: checked all the same.
    item.comments[0]["posted_at"] = datetime(2019, 11, 9, 8, 35)


@pytest.mark.parametrize(
    ("breakage", "cause"),
    [
        (_break_title, "title"),
        (_break_comment, "text"),
        (_break_date, "naive"),
        (_break_comment_date, "naive"),
    ],
    ids=["null-title", "null-comment-text", "naive-date", "naive-comment-date"],
)
def test_broken_article_fails_alone_and_leaves_nothing(
    storage: Storage, breakage: Callable[[ArticleItem], None], cause: str
) -> None:
    bad = ArticleItem(
        url="https://www.rtl.fr/actu/politique/casse-7790000001",
        article_id="7790000001",
        canonical_url="https://www.rtl.fr/actu/politique/casse-7790000001",
        title="Cassé",
        authors=["Seulement Ici"],
        tags=["Tag Orphelin"],
        aliases=["https://www.rtl.fr/actu/politique/casse-7790000001/amp"],
        comments=[{"comment_id": "bad-1", "parent_id": None, "author": "y", "text": "ok"}],
    )
    breakage(bad)

    result = storage.write_articles([article_one(), bad, article_two()], now=NOW1)

    assert result.counts() == expect(articles_new=2, comments_new=4, aliases_new=4, failed=1)
    (failure,) = result.failures
    assert failure.identity == "rtl:7790000001"
    assert failure.url == bad.url
    assert cause in failure.error
    assert counts(storage.engine) == {
        "articles": 2,
        "authors": 2,
        "tags": 3,
        "rejected_pages": 0,
        "article_versions": 2,
        "crawl_runs": 0,
        "article_urls": 4,
        "article_authors": 3,
        "article_tags": 3,
        "comments": 4,
    }
    with storage.engine.connect() as conn:
        leftovers = [
            "SELECT count(*) FROM articles WHERE identity LIKE '%7790000001%'",
            "SELECT count(*) FROM comments WHERE comment_id LIKE 'bad%'",
            "SELECT count(*) FROM article_urls WHERE url LIKE '%casse%'",
            "SELECT count(*) FROM authors WHERE name = 'Seulement Ici'",
        ]
        assert [conn.scalar(sa.text(query)) for query in leftovers] == [0, 0, 0, 0]


def test_error_messages_never_show_the_password() -> None:
    url = "postgresql+psycopg://crawler:s3cret@127.0.0.1:1/x"
    with Storage(url, connect_args={"connect_timeout": 2}) as storage:
        assert "s3cret" not in storage.display_url
        with pytest.raises(DatabaseUnavailableError) as caught:
            storage.check_connection()
        message = str(caught.value)
        assert "s3cret" not in message
        assert "s3cret" not in "".join(traceback.format_exception(caught.value))
        assert "127.0.0.1" in message and "DATABASE_URL" in message

        # Writing is refused as a whole (the caller spools the batch), without the password.
        with pytest.raises(DatabaseUnavailableError) as caught:
            storage.write_articles([article_one()])
        assert "s3cret" not in str(caught.value)


# --- rejected pages and the summary view ------------------------------------------------


def test_rejected_pages_are_written(storage: Storage) -> None:
    written = storage.write_rejected(
        [
            RejectedPageItem(url="https://www.rtl.fr/x", reason="http_404", http_status=404),
            RejectedPageItem(
                url="https://www.rtl.fr/y", reason="missing_title", detail="no h1, no og:title"
            ),
        ],
        now=NOW1,
    )

    assert written == 2
    assert [
        {k: v for k, v in r.items() if k != "id"} for r in rows(storage.engine, "rejected_pages")
    ] == [
        {
            "url": "https://www.rtl.fr/x",
            "reason": "http_404",
            "detail": None,
            "http_status": 404,
            "first_rejected_at": NOW1,
            "rejected_at": NOW1,
            "times_rejected": 1,
            "run_id": None,
        },
        {
            "url": "https://www.rtl.fr/y",
            "reason": "missing_title",
            "detail": "no h1, no og:title",
            "http_status": None,
            "first_rejected_at": NOW1,
            "rejected_at": NOW1,
            "times_rejected": 1,
            "run_id": None,
        },
    ]


def test_article_summary_view(storage: Storage) -> None:
    lonely = ArticleItem(url="https://www.rtl.fr/actu/seul-7790000002", article_id="7790000002",
                         title="Sans auteur")  # fmt: skip
    storage.write_articles([*batch(), lonely], now=NOW1)

    with storage.engine.connect() as conn:
        summary = conn.execute(
            sa.text(
                "SELECT id, identity, title, section, published_at, authors, tags, comment_count "
                "FROM article_summary ORDER BY id"
            )
        ).all()
    assert [(r[0], r[1], r[2], r[3], r[5], r[6], r[7]) for r in summary] == [
        (1, "rtl:7797504917", "Kim Jong-un en Russie", "international",
         "Marie Lefèvre, Alice Martin", "Russie, Corée du Nord", 3),
        (2, URL2, "Un festival", "culture", "Alice Martin", "Culture", 1),
        (3, "rtl:7790000002", "Sans auteur", None, None, None, 0),
    ]  # fmt: skip
    assert summary[0][4] is not None


# --- the Scrapy pipeline ---------------------------------------------------------------


def _run_pipeline(url: str, items: list[Any], **settings: Any) -> dict[str, Any]:
    settings.setdefault("STORE_SPOOL_DIR", tempfile.mkdtemp(prefix="spool-"))
    crawler = get_crawler(settings_dict={"DATABASE_URL": url, **settings})
    pipeline = StorePipeline.from_crawler(crawler)
    pipeline.open_spider()
    for item in items:
        assert pipeline.process_item(item) is item
    pipeline.close_spider()
    crawler.stats.set_value("finish_reason", "finished")
    pipeline.spider_closed(reason="finished")
    return crawler.stats.get_stats()


def test_pipeline_stores_batches_and_reports_stats(db_url: str) -> None:
    items: list[Any] = [
        article_one(),
        RejectedPageItem(url="https://www.rtl.fr/z", reason="http_404", http_status=404),
        article_two(),
        {"not": "ours"},
    ]

    stats = _run_pipeline(db_url, items, STORE_BATCH_SIZE=2)

    assert {k: v for k, v in stats.items() if k.startswith("store/")} == {
        "store/articles_new": 2,
        "store/articles_updated": 0,
        "store/articles_unchanged": 0,
        "store/comments_new": 4,
        "store/comments_updated": 0,
        "store/aliases_new": 4,
        "store/articles_not_modified": 0,
        "store/versions_new": 0,
        "store/near_duplicates": 0,
        "store/comments_near_repeats": 0,
        "store/rejected_pages": 1,
        "store/failed": 0,
        "store/spooled": 0,
        "store/replayed": 0,
        "store/spool_pending": 0,
    }
    engine = sa.create_engine(db_url)
    try:
        # Each run adds its own crawl_runs row; the data must not change.
        before = dump(engine, skip_tables=("crawl_runs",))
        assert counts(engine)["articles"] == 2
        assert counts(engine)["rejected_pages"] == 1

        stats = _run_pipeline(db_url, batch(), STORE_BATCH_SIZE=25)
        assert stats["store/articles_unchanged"] == 2
        assert stats["store/articles_new"] == stats["store/comments_new"] == 0
        assert dump(engine, skip_tables=("crawl_runs",)) == before
    finally:
        engine.dispose()


def test_pipeline_migrates_a_new_database_and_counts_failures(sqlite_url: str) -> None:
    broken = article_two()
    broken.title = None

    stats = _run_pipeline(sqlite_url, [article_one(), broken])

    assert stats["store/articles_new"] == 1
    assert stats["store/failed"] == 1


def test_pipeline_logs_url_without_password(
    clean_pg_db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    url = sa.make_url(clean_pg_db_url)
    if not url.password:
        # Trust auth ignores it; it is there to be hidden.
        url = url.set(password="s3cret-unused")
    password = url.password
    caplog.set_level(logging.INFO, logger="pipelines.store")

    _run_pipeline(url.render_as_string(hide_password=False), [article_one()])

    assert "***" in caplog.text
    assert password not in caplog.text


def test_pipeline_fails_loudly_when_database_is_down() -> None:
    crawler = get_crawler(
        settings_dict={"DATABASE_URL": "postgresql://crawler:s3cret@127.0.0.1:1/news"}
    )
    pipeline = StorePipeline.from_crawler(crawler)

    with pytest.raises(DatabaseUnavailableError) as caught:
        pipeline.open_spider()

    message = str(caught.value)
    assert "127.0.0.1:1" in message
    assert "DATABASE_URL" in message
    assert "s3cret" not in message


def test_pipeline_methods_take_no_spider_argument(sqlite_url: str) -> None:
    crawler = get_crawler(
        settings_dict={
            "DATABASE_URL": sqlite_url,
            "ITEM_PIPELINES": {"pipelines.store.StorePipeline": 400},
        }
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        manager = ItemPipelineManager.from_crawler(crawler)
    assert not [w for w in caught if issubclass(w.category, ScrapyDeprecationWarning)]
    assert len(manager.methods["process_item"]) == 1
    assert not manager._mw_methods_requiring_spider


def test_items_are_not_modified_by_storage(storage: Storage) -> None:
    items = batch()
    snapshot = copy.deepcopy(items)
    storage.write_articles(items, now=NOW1)
    assert items == snapshot
