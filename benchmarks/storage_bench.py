"""The storage layer alone: how fast ``Storage.write_articles`` stores prepared items.

No crawl, no parsing: articles with long comment threads, already in their cleaned form
(what ``pipelines.store`` receives), are written ``batch_size`` at a time into an empty
database, the way a crawl writes them. The figure is comment rows per second, from the
first write to the last commit.

``server_alone`` is the ceiling that figure sits under: the same rows inserted again by
PostgreSQL itself (``INSERT ... SELECT`` from copies on the server, no client, no
network), so the server's own work (search vectors, foreign keys, indexes, WAL) is
measured apart from everything the storage layer adds.
"""

from __future__ import annotations

import random
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from benchmarks.generated_site import article_spec
from crawler.items import ArticleItem
from pipelines import runs
from pipelines.storage import BATCH_SIZE, Storage
from schemas import tables as t

#: Commenters of the generated threads: few enough that authors comment several times
#: under one article, so the repeat detection has work to do.
AUTHORS = tuple(f"Lecteur {n}" for n in range(60))
_SENTENCE = (
    "je pense que le gouvernement devrait enfin écouter les Français sur cette question "
    "qui nous concerne tous depuis des années sans que rien ne change vraiment au fond "
    "bravo pour cet article très clair merci à la rédaction pour ce travail"
)
_WORDS = tuple(_SENTENCE.split(" "))


@dataclass
class StorageFigure:
    articles: int
    comments: int
    seconds: float

    @property
    def comments_per_second(self) -> float:
        return self.comments / self.seconds if self.seconds else 0.0


def prepared_articles(count: int, comments: int, first: int = 0) -> list[ArticleItem]:
    """``count`` cleaned articles of the generated site with ``comments`` comments each
    (a reply every fourth comment, a few repeated postings)."""
    items = []
    for i in range(first, first + count):
        spec = article_spec(i, with_comments=False)
        url = f"https://www.rtl.fr{spec.path}"
        rng = random.Random(i)
        thread = []
        for n in range(comments):
            author = AUTHORS[rng.randrange(len(AUTHORS))]
            text = " ".join(rng.sample(_WORDS, 12)).capitalize() + f" ({n})."
            if n % 25 == 24:  # the same author posting the same text twice
                author, text = thread[-1]["author"], thread[-1]["text"]
            thread.append(
                {
                    "comment_id": str(60_000_000 + i * 1000 + n),
                    "parent_id": thread[n - 1]["comment_id"] if n % 4 == 3 else None,
                    "author": author,
                    "posted_at": spec.published_at + timedelta(minutes=5 + n),
                    "text": text,
                }
            )
        body = "\n\n".join(text for _, text in spec.body_blocks)
        items.append(
            ArticleItem(
                url=url,
                canonical_url=url,
                article_id=spec.article_id,
                section=spec.path_parts[1],
                title=spec.title,
                lead=spec.lead,
                authors=list(spec.authors),
                published_at=spec.published_at,
                tags=list(spec.tags),
                keywords=list(spec.keywords),
                body=body,
                body_blocks=[{"type": kind, "text": text} for kind, text in spec.body_blocks],
                language="fr",
                comments=thread,
                extraction={"title": "site:rtl/v2019", "body": "site:rtl/v2019"},
                aliases=[url],
            )
        )
    return items


def measure(
    db_url: str, articles: int, comments: int, batch_size: int = BATCH_SIZE
) -> StorageFigure:
    """Write ``articles`` x ``comments`` into ``db_url`` (migrated here, not timed), in
    batches of ``batch_size`` under one crawl run, as the store pipeline does."""
    items = prepared_articles(articles, comments)
    with Storage(db_url) as storage:
        storage.upgrade()
        # A crawl's rows name its run (a foreign key each), and so do these.
        run_id = runs.begin_run(storage.engine, "storage-bench", "rtl", {}, datetime.now(UTC))
        started = time.perf_counter()
        for start in range(0, len(items), batch_size):
            result = storage.write_articles(items[start : start + batch_size], run_id=run_id)
            if result.failures:
                raise RuntimeError(f"storage failed: {result.failures[0].error}")
        seconds = time.perf_counter() - started
    return StorageFigure(articles, articles * comments, seconds)


def server_alone(db_url: str, rounds: int = 3) -> StorageFigure:
    """How fast PostgreSQL alone stores again every row ``measure`` wrote into ``db_url``
    (articles, their versions, URLs, authors, tags, links and comments): each round
    empties those tables and inserts their rows back from temporary copies, one
    ``INSERT ... SELECT`` per table in foreign-key order, then rolls back, so the tables
    end as they began. The median round.

    The rows go into empty tables with their indexes, search vectors, foreign keys and
    WAL, as the storage layer's rows do: the server does its own part of the work and
    nothing else, so no client can store these rows faster on this machine.
    """
    seconds: list[float] = []
    with Storage(db_url) as storage, storage.engine.connect() as conn:
        copies: list[tuple[str, str]] = []
        for table in t.metadata.sorted_tables:
            if conn.execute(sa.select(sa.exists().select_from(table))).scalar_one():
                columns = ", ".join(column.name for column in table.columns)
                conn.exec_driver_sql(
                    f"CREATE TEMPORARY TABLE bench_{table.name} AS"
                    f" SELECT {columns} FROM {table.name}"
                )
                copies.append((table.name, columns))
        articles, comments = (
            conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in (t.articles, t.comments)
        )
        conn.commit()
        for _ in range(rounds):
            # TRUNCATE is transactional here: the rollback brings the rows back (and those
            # of the empty tables that refer to these, which CASCADE takes in too).
            conn.exec_driver_sql(f"TRUNCATE {', '.join(name for name, _ in copies)} CASCADE")
            started = time.perf_counter()
            for name, columns in copies:
                conn.exec_driver_sql(
                    f"INSERT INTO {name} ({columns}) SELECT {columns} FROM bench_{name}"
                )
            seconds.append(time.perf_counter() - started)
            conn.rollback()
    return StorageFigure(articles, comments, statistics.median(seconds))
