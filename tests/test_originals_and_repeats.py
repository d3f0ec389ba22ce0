"""Which article is the original and which comment the repeat, whatever the write order.

An original is the earliest publication (ties: the lower article id); the first posting of
a comment is the comment and later copies are its repeats. Both are decided by storage
against what the database holds, so every order of writes, and concurrent writers, end
with the same links. Real PostgreSQL.
"""

from __future__ import annotations

import itertools
import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from crawler.items import ArticleItem
from pipelines import nearduplicates as nd
from pipelines.dedupe import dedupe_comments
from pipelines.storage import Storage

PAIRS = json.loads((Path(__file__).parent / "fixtures" / "neardup_pairs.json").read_text())
DAY = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)


def _article(article_id: str, published: datetime, lead: str, body: str, **extra: Any
             ) -> ArticleItem:  # fmt: skip
    url = f"https://www.rtl.fr/actu/monde/depeche-{article_id}"
    return ArticleItem(url=url, canonical_url=url, article_id=article_id,
                       title=f"Titre {article_id}", lead=lead, body=body, published_at=published,
                       **extra)  # fmt: skip


def _links(storage: Storage) -> dict[str, tuple[str | None, float | None]]:
    """article id -> (article id of its original, stored similarity), for every article."""
    with storage.engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT a.article_id, o.article_id, a.duplicate_similarity FROM articles a"
                " LEFT JOIN articles o ON o.id = a.duplicate_of"
            )
        ).all()
    return {article_id: (original, similarity) for article_id, original, similarity in rows}


def _similarity(a: ArticleItem, b: ArticleItem) -> float:
    fingerprints = [nd.fingerprint(nd.article_text(i.title, i.lead, i.body)) for i in (a, b)]
    return round(nd.similarity(*fingerprints), 4)


def _wire_pair(offset_days: int) -> tuple[ArticleItem, ArticleItem]:
    """A labeled copy pair: the earlier publication has the HIGHER article id, so neither
    the id nor the write order can stand in for the publication time."""
    pair = next(p for p in PAIRS if p["label"] == "copy" and p["a"]["body"] != p["b"]["body"])
    when = DAY + timedelta(days=10 * offset_days)
    earlier = _article(f"78{offset_days:02d}000002", when, pair["a"]["lead"], pair["a"]["body"])
    later = _article(f"78{offset_days:02d}000001", when + timedelta(minutes=40),
                     pair["b"]["lead"], pair["b"]["body"])  # fmt: skip
    return earlier, later


# --- wire copies ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "writes",
    [
        pytest.param(["earlier", "later"], id="earlier-stored-first"),
        pytest.param(["later", "earlier"], id="later-stored-first"),
        pytest.param([["later", "earlier"]], id="one-batch-later-first"),
        pytest.param([["earlier", "later"]], id="one-batch-earlier-first"),
    ],
)
def test_a_pair_links_to_the_earlier_publication_in_either_order(
    pg_storage: Storage, writes: list
) -> None:
    earlier, later = _wire_pair(0)
    named = {"earlier": earlier, "later": later}
    linked = 0
    for write in writes:
        batch = [named[name] for name in (write if isinstance(write, list) else [write])]
        linked += pg_storage.write_articles(batch).near_duplicates

    similarity = _similarity(earlier, later)
    assert similarity >= 0.7
    assert _links(pg_storage) == {
        earlier.article_id: (None, None),
        later.article_id: (earlier.article_id, similarity),
    }
    assert linked == 1


def test_equal_publication_times_go_to_the_lower_article_id(pg_storage: Storage) -> None:
    earlier, later = _wire_pair(0)
    later.published_at = earlier.published_at
    # The higher id stored first, the lower one second: the link turns around.
    pg_storage.write_articles([earlier])  # id ...0002
    pg_storage.write_articles([later])  # id ...0001

    assert _links(pg_storage) == {
        earlier.article_id: (later.article_id, _similarity(earlier, later)),
        later.article_id: (None, None),
    }


def _words(prefix: str, count: int) -> list[str]:
    return [f"{prefix}{n}" for n in range(count)]


def _bridged_texts() -> dict[str, str]:
    """P and Q share 120 of their words (too few to be copies); X has those and 20 of each
    one's own words, enough to be a copy of both: X makes one story of all three."""
    shared, own_p, own_q = _words("commun", 120), _words("propre", 40), _words("autre", 40)
    return {
        "P": " ".join(shared + own_p),
        "Q": " ".join(shared + own_q),
        "X": " ".join(shared + own_p[:20] + own_q[:20]),
    }


@pytest.mark.parametrize("order", list(itertools.permutations("PQX")), ids="".join)
def test_a_story_and_its_copies_name_the_earliest_in_every_write_order(
    pg_storage: Storage, order: tuple[str, ...]
) -> None:
    texts = _bridged_texts()
    fingerprints = {name: nd.fingerprint(text) for name, text in texts.items()}
    assert nd.similarity(fingerprints["P"], fingerprints["Q"]) < 0.7
    assert nd.similarity(fingerprints["X"], fingerprints["P"]) >= 0.7
    assert nd.similarity(fingerprints["X"], fingerprints["Q"]) >= 0.7
    published = {"Q": DAY, "P": DAY + timedelta(hours=1), "X": DAY + timedelta(hours=2)}
    ids = {"P": "7900000001", "Q": "7900000002", "X": "7900000003"}
    items = {name: _article(ids[name], published[name], "", texts[name]) for name in texts}

    linked = sum(pg_storage.write_articles([items[name]]).near_duplicates for name in order)

    q = ids["Q"]
    assert _links(pg_storage) == {
        ids["Q"]: (None, None),
        ids["P"]: (q, _similarity(items["P"], items["Q"])),
        ids["X"]: (q, _similarity(items["X"], items["Q"])),
    }
    assert linked == 2


def test_concurrent_writers_agree_on_the_original(clean_pg_db_url: str) -> None:
    # Four crawls each store one copy of the same dispatch at the same moment; without the
    # write lock each transaction misses the others' uncommitted rows.
    earlier, later = _wire_pair(0)
    copies = [
        _article(f"79100000{n:02d}", earlier.published_at + timedelta(minutes=n),
                 earlier.lead, later.body)  # fmt: skip
        for n in range(4)
    ]
    storages = [Storage(clean_pg_db_url) for _ in copies]
    start = threading.Barrier(len(copies))
    errors: list[BaseException] = []

    def write(storage: Storage, item: ArticleItem) -> None:
        try:
            storage.check_connection()  # connected before the barrier: writes really overlap
            start.wait(timeout=30)
            storage.write_articles([item])
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    pairs = zip(storages, copies, strict=True)
    threads = [threading.Thread(target=write, args=pair) for pair in pairs]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        for storage in storages:
            storage.close()
    assert errors == []

    with Storage(clean_pg_db_url) as storage:
        links = _links(storage)
    first = copies[0].article_id
    assert links == {
        first: (None, None),
        **{c.article_id: (first, _similarity(c, copies[0])) for c in copies[1:]},
    }


# --- comment repeats ----------------------------------------------------------------------

POSTED = datetime(2025, 3, 3, 18, 0, tzinfo=UTC)
TEXT = "Encore une réforme décidée sans consulter personne, comme d'habitude."

#: Pages list newest first: page 1 has the later postings, page 2 the first one.
PAGE_1 = [
    {"comment_id": "50000205", "author": "Marc T.", "posted_at": POSTED + timedelta(minutes=4),
     "text": TEXT},
    {"comment_id": "50000150", "author": "Marc T.", "posted_at": POSTED + timedelta(minutes=2),
     "text": "Encore une réforme décidée sans consulter personne , comme d’habitude !!"},
]  # fmt: skip
PAGE_2 = [
    {"comment_id": "50000100", "author": "Marc T.", "posted_at": POSTED, "text": TEXT},
    {"comment_id": "50000090", "author": "Julie P.", "posted_at": POSTED - timedelta(hours=1),
     "text": TEXT},
]  # fmt: skip
EXPECTED_MARKS = [
    ("50000090", None, None),  # another author's identical text is not a repeat
    ("50000100", None, None),  # the first posting
    ("50000150", "50000100", "near"),
    ("50000205", "50000100", "exact"),
]


def _debate(*comments: dict[str, Any]) -> ArticleItem:
    return _article("7790000100", DAY, "Débat", "Texte.", comments=[dict(c) for c in comments])


def _marks(storage: Storage) -> list[tuple[str, str | None, str | None]]:
    with storage.engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT comment_id, duplicate_of, duplicate_kind FROM comments ORDER BY 1")
        ).all()
    return [tuple(row) for row in rows]


@pytest.mark.parametrize(
    "writes",
    [
        pytest.param([PAGE_1 + PAGE_2], id="both-pages-newest-first"),
        pytest.param([PAGE_2 + PAGE_1], id="both-pages-oldest-first"),
        pytest.param([PAGE_1, PAGE_1 + PAGE_2], id="first-posting-seen-a-run-later"),
        pytest.param([PAGE_2, PAGE_1 + PAGE_2], id="first-posting-seen-first"),
        pytest.param([PAGE_1[::-1], PAGE_2[::-1]], id="pages-written-apart"),
    ],
)
def test_repeats_keep_the_first_posting_whatever_the_order(
    pg_storage: Storage, writes: list[list[dict[str, Any]]]
) -> None:
    for comments in writes:
        pg_storage.write_articles([_debate(*comments)])

    assert _marks(pg_storage) == EXPECTED_MARKS


def test_a_stored_repeat_turns_around_when_the_first_posting_arrives(pg_storage: Storage) -> None:
    first = pg_storage.write_articles([_debate(*PAGE_1)])
    assert _marks(pg_storage) == [
        ("50000150", None, None),
        ("50000205", "50000150", "near"),  # the earliest posting known so far
    ]
    assert (first.comments_new, first.comments_near_repeats) == (2, 1)

    second = pg_storage.write_articles([_debate(*PAGE_1, *PAGE_2)])

    assert _marks(pg_storage) == EXPECTED_MARKS
    # Two new comments; both stored ones now point at the first posting.
    assert (second.comments_new, second.comments_updated, second.comments_near_repeats) == (
        2, 2, 1,
    )  # fmt: skip


def test_dedupe_marks_the_later_posting_whatever_the_page_order() -> None:
    for comments in (PAGE_1 + PAGE_2, PAGE_2 + PAGE_1):
        kept, dropped, marked = dedupe_comments([dict(c) for c in comments])
        marks = {c["comment_id"]: c.get("duplicate_of") for c in kept}
        assert marks == {"50000205": "50000100", "50000150": None, "50000100": None,
                         "50000090": None}  # fmt: skip
        assert (dropped, marked) == (0, 1)
