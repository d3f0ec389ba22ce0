"""Several processes storing the same articles at once, as the workers of a distributed
crawl do, on real PostgreSQL: no failure, no deadlock, no duplicate row.

Each process has its own ``pipelines.storage.Storage`` (its own connections), and they all
write the same articles (sharing authors, tags, URLs and comments) and the same refused
pages, in batches, in different orders, released together by a barrier, several rounds.
The per-database write lock serializes the article transactions; this checks that it does
so across processes, and that the result equals writing the same items one process after
the other.
"""

from __future__ import annotations

import multiprocessing
import random
import traceback
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from crawler.items import ArticleItem, RejectedPageItem
from pipelines.storage import Storage
from schemas.tables import metadata
from tests.crawl_helpers import row_counts

PROCESSES = 4
ROUNDS = 3
BATCH = 4
ARTICLES = 12
COMMENTS_PER_ARTICLE = 5
AUTHORS = ["Marie Lefèvre", "Alice Martin", "Paul Durand"]
TAGS = ["Russie", "Économie", "Sport", "Culture"]
REFUSED = [f"https://www.rtl.fr/actu/politique/page-cassee-77990000{n:02d}" for n in range(3)]
PUBLISHED = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
#: What is stored, by natural keys (row ids depend on which write came first).
STORED = {
    "articles": "SELECT article_id, url, canonical_url, section, title, lead, body,"
    " published_at, version, content_hash, duplicate_of FROM articles",
    "article_urls": "SELECT u.url, a.article_id FROM article_urls u"
    " JOIN articles a ON a.id = u.article_id",
    "article_authors": "SELECT a.article_id, au.name, aa.position FROM article_authors aa"
    " JOIN articles a ON a.id = aa.article_id JOIN authors au ON au.id = aa.author_id",
    "article_tags": "SELECT a.article_id, t.name, at.position FROM article_tags at"
    " JOIN articles a ON a.id = at.article_id JOIN tags t ON t.id = at.tag_id",
    "comments": "SELECT a.article_id, c.comment_id, c.parent_id, c.author, c.posted_at,"
    " c.text, c.duplicate_of, c.duplicate_kind FROM comments c"
    " JOIN articles a ON a.id = c.article_id",
    "article_versions": "SELECT a.article_id, v.version FROM article_versions v"
    " JOIN articles a ON a.id = v.article_id",
    "rejected_pages": "SELECT url, reason, detail, http_status, times_rejected"
    " FROM rejected_pages",
}


def stored(url: str) -> dict[str, list[tuple]]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return {
                name: sorted(tuple(row) for row in conn.execute(sa.text(query)))
                for name, query in STORED.items()
            }
    finally:
        engine.dispose()


def article(n: int) -> ArticleItem:
    """Article ``n``: two of the three authors, two of the four tags, two URLs (the
    story in two sections) and five comments, one of them a reply."""
    article_id = f"77980000{n:02d}"
    url = f"https://www.rtl.fr/actu/international/depeche-numero-{n}-{article_id}"
    published = PUBLISHED + timedelta(hours=n)
    return ArticleItem(
        url=url,
        canonical_url=url,
        article_id=article_id,
        section="international",
        title=f"Dépêche numéro {n}",
        lead=f"Le chapô de la dépêche {n}.",
        authors=[AUTHORS[n % 3], AUTHORS[(n + 1) % 3]],
        published_at=published,
        tags=[TAGS[n % 4], TAGS[(n + 1) % 4]],
        # Texts far apart, so no article is taken for a copy of another.
        body=f"Article {n}. " + " ".join(f"mot{n}x{k}" for k in range(60)),
        body_blocks=[{"type": "paragraph", "text": f"Article {n}."}],
        language="fr",
        comments=[
            {
                "comment_id": f"{article_id}-c{k}",
                "parent_id": f"{article_id}-c0" if k == 4 else None,
                "author": f"Lecteur {k}",
                "posted_at": published + timedelta(minutes=10 * (k + 1)),
                "text": f"Commentaire {k} sur la dépêche {n}",
            }
            for k in range(COMMENTS_PER_ARTICLE)
        ],
        extraction={"title": "site:rtl/v2019"},
        aliases=[url, f"https://www.rtl.fr/actu/monde/depeche-numero-{n}-{article_id}"],
    )


def refused() -> list[RejectedPageItem]:
    return [RejectedPageItem(url=url, reason="http_500", detail="HTTP 500", http_status=500)
            for url in REFUSED]  # fmt: skip


def write_everything(storage: Storage, order: random.Random) -> dict[str, Any]:
    """Every article in batches of ``BATCH`` in a shuffled order, then the refused pages,
    ``ROUNDS`` times; the summed counts and the failures."""
    totals: dict[str, int] = {}
    failures: list[str] = []
    for _ in range(ROUNDS):
        items = [article(n) for n in range(ARTICLES)]
        order.shuffle(items)
        for start in range(0, len(items), BATCH):
            result = storage.write_articles(items[start : start + BATCH])
            for name, value in result.counts().items():
                totals[name] = totals.get(name, 0) + value
            failures += [f"{f.identity}: {f.error}" for f in result.failures]
        totals["rejected"] = totals.get("rejected", 0) + storage.write_rejected(refused())
    return {"counts": totals, "failures": failures}


def _writer(url: str, seed: int, barrier: Any, results: Any) -> None:
    try:
        with Storage(url) as storage:
            storage.check_connection()
            barrier.wait(timeout=120)
            results.put({"seed": seed, **write_everything(storage, random.Random(seed))})
    except BaseException:
        results.put({"seed": seed, "error": traceback.format_exc()})


def empty(url: str) -> None:
    names = ", ".join(table.name for table in metadata.sorted_tables)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    finally:
        engine.dispose()


def test_processes_upserting_the_same_rows_at_once_never_fail_nor_duplicate(
    clean_pg_db_url: str,
) -> None:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    results = context.Queue()
    processes = [
        context.Process(target=_writer, args=(clean_pg_db_url, seed, barrier, results))
        for seed in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=300) for _ in processes]
    for process in processes:
        process.join(timeout=60)

    assert [o.get("error") for o in outcomes] == [None] * PROCESSES, outcomes
    assert [o["failures"] for o in outcomes] == [[]] * PROCESSES
    assert [p.exitcode for p in processes] == [0] * PROCESSES
    # Each article and comment was new to exactly one write, whichever process made it.
    counts = [o["counts"] for o in outcomes]
    assert sum(c["articles_new"] for c in counts) == ARTICLES
    assert sum(c["comments_new"] for c in counts) == ARTICLES * COMMENTS_PER_ARTICLE
    assert sum(c["articles_updated"] for c in counts) == 0
    writes = PROCESSES * ROUNDS * ARTICLES
    assert sum(c["articles_unchanged"] for c in counts) == writes - ARTICLES
    assert sum(c["rejected"] for c in counts) == PROCESSES * ROUNDS * len(REFUSED)

    assert row_counts(clean_pg_db_url) == {
        "articles": ARTICLES,
        "article_urls": 2 * ARTICLES,
        "authors": len(AUTHORS),
        "article_authors": 2 * ARTICLES,
        "tags": len(TAGS),
        "article_tags": 2 * ARTICLES,
        "comments": ARTICLES * COMMENTS_PER_ARTICLE,
        "rejected_pages": len(REFUSED),
    }
    at_once = stored(clean_pg_db_url)
    assert [row[-1] for row in at_once["rejected_pages"]] == [PROCESSES * ROUNDS] * len(REFUSED)
    assert len(at_once["article_versions"]) == ARTICLES
    # No article taken for a copy of another, no comment for a repeat.
    assert {row[-1] for row in at_once["articles"]} == {None}
    assert {row[-2:] for row in at_once["comments"]} == {(None, None)}

    # The same rows as the same writes made one process after the other.
    empty(clean_pg_db_url)
    with Storage(clean_pg_db_url) as storage:
        for seed in range(PROCESSES):
            assert write_everything(storage, random.Random(seed))["failures"] == []
    assert stored(clean_pg_db_url) == at_once
