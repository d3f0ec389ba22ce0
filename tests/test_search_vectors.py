"""Comment search vectors: computed on a second connection and inserted with the rows
(``pipelines.search_vectors``), or by the trigger of ``0006_comment_vectors``; on real
PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from crawler.items import ArticleItem
from pipelines.storage import Storage
from schemas import migrate

POSTED = datetime(2024, 5, 2, 8, 0, tzinfo=UTC)
#: Texts the French configuration treats differently: accents, elisions, stop words,
#: hyphens, digits, emoji, markup-like text, a long one.
TEXTS = [
    "Les réformes de l'État, enfin !",
    "Élysée : porte-parole du gouvernement",
    "👍👍",
    "rien à voir <b>avec</b> l'article",
    "2024 sera l'année des élections",
    "Trop   d'espaces\net des retours",
    " ".join(["grève"] * 50 + ["retraites"] * 50),
]


def article(number: int, texts: list[str], published_day: int = 1) -> ArticleItem:
    url = f"https://www.rtl.fr/actu/politique/article-{7_900_000_000 + number}"
    return ArticleItem(
        url=url,
        canonical_url=url,
        article_id=str(7_900_000_000 + number),
        section="politique",
        title=f"Article {number}",
        lead=f"Chapeau de l'article {number}.",
        body=f"Corps de l'article numéro {number}, avec des mots qui lui sont propres.",
        published_at=datetime(2024, 5, published_day, 7, 0, tzinfo=UTC),
        language="fr",
        comments=[
            {
                "comment_id": f"{number}-{position}",
                "parent_id": None,
                "author": f"Lecteur {position}",
                "posted_at": POSTED + timedelta(minutes=position),
                "text": text,
            }
            for position, text in enumerate(texts)
        ],
    )


def _scalar(engine: sa.Engine, sql: str) -> object:
    with engine.connect() as conn:
        return conn.exec_driver_sql(sql).scalar()


def _wrong_vectors(engine: sa.Engine) -> int:
    """Comments whose vector is not what the configuration makes of their text."""
    return _scalar(
        engine,
        "SELECT count(*) FROM comments WHERE search_vector IS DISTINCT FROM"
        " to_tsvector('french_unaccent', text)",
    )


@pytest.fixture
def engine(clean_pg_db_url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(clean_pg_db_url)
    yield engine
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE comments ENABLE TRIGGER comments_search_vector_insert")
    engine.dispose()


def _without_insert_trigger(engine: sa.Engine) -> None:
    # Without it, a comment the writer brings no vector for stays NULL: what is right
    # then came from the second connection.
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE comments DISABLE TRIGGER comments_search_vector_insert")


def test_the_writer_brings_the_vectors_the_database_would_compute(
    clean_pg_db_url: str, engine: sa.Engine
) -> None:
    _without_insert_trigger(engine)
    with Storage(clean_pg_db_url) as storage:
        result = storage.write_articles(
            [article(1, TEXTS), article(2, TEXTS[:3]), article(3, [])]
        )
    assert result.comments_new == len(TEXTS) + 3
    assert _scalar(engine, "SELECT count(search_vector) FROM comments") == len(TEXTS) + 3
    assert _wrong_vectors(engine) == 0
    # The search finds them by a stemmed, unaccented word.
    assert _scalar(
        engine,
        "SELECT string_agg(comment_id, ',' ORDER BY comment_id) FROM comments"
        " WHERE search_vector @@ websearch_to_tsquery('french_unaccent', 'reforme etat')",
    ) == "1-0,2-0"


def test_only_new_comments_are_sent_and_a_recrawl_keeps_the_vectors(
    clean_pg_db_url: str, engine: sa.Engine
) -> None:
    with Storage(clean_pg_db_url) as storage:
        storage.write_articles([article(1, TEXTS[:2])])
        _without_insert_trigger(engine)
        # Again, with one comment more and one edited: only the new one is inserted.
        again = article(1, [TEXTS[0], "Un texte corrigé par son auteur", TEXTS[3]])
        result = storage.write_articles([again])
    assert (result.comments_new, result.comments_updated) == (1, 1)
    assert _scalar(engine, "SELECT count(search_vector) FROM comments") == 3
    assert _wrong_vectors(engine) == 0
    assert _scalar(
        engine,
        "SELECT comment_id FROM comments"
        " WHERE search_vector @@ websearch_to_tsquery('french_unaccent', 'corrige')",
    ) == "1-1"


def test_a_lost_second_connection_costs_speed_not_vectors(
    clean_pg_db_url: str, engine: sa.Engine, caplog: pytest.LogCaptureFixture
) -> None:
    with Storage(clean_pg_db_url) as storage:
        storage.write_articles([article(1, TEXTS[:2])])
        helper = storage._vectors._connection
        assert helper is not None
        with engine.connect() as conn:
            conn.exec_driver_sql(f"SELECT pg_terminate_backend({helper.info.backend_pid})")
        with caplog.at_level(logging.WARNING, logger="pipelines.search_vectors"):
            lost = storage.write_articles([article(2, TEXTS)])
        assert lost.comments_new == len(TEXTS) and not lost.failures
        assert "search vectors on a second connection failed" in caplog.text
        assert _wrong_vectors(engine) == 0  # the trigger computed them
        # The next write opens a new second connection.
        _without_insert_trigger(engine)
        storage.write_articles([article(3, TEXTS[:4])])
    assert _scalar(engine, "SELECT count(search_vector) FROM comments") == 2 + len(TEXTS) + 4
    assert _wrong_vectors(engine) == 0


def test_a_failed_batch_stores_the_rest_with_their_vectors(
    clean_pg_db_url: str, engine: sa.Engine
) -> None:
    broken = article(2, TEXTS[:2])
    broken.comments[1]["posted_at"] = datetime(2024, 5, 2, 8, 0)  # naive: refused
    _without_insert_trigger(engine)
    with Storage(clean_pg_db_url) as storage:
        result = storage.write_articles([article(1, TEXTS), broken, article(3, TEXTS[:3])])
    assert [failure.url for failure in result.failures] == [broken.url]
    assert _scalar(engine, "SELECT count(search_vector) FROM comments") == len(TEXTS) + 3
    assert _scalar(engine, "SELECT count(*) FROM comments") == len(TEXTS) + 3
    assert _wrong_vectors(engine) == 0


def test_sql_writes_keep_the_vector_true_to_the_text(
    clean_pg_db_url: str, engine: sa.Engine
) -> None:
    with Storage(clean_pg_db_url) as storage:
        storage.write_articles([article(1, TEXTS[:1])])
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO comments (comment_id, article_id, text, first_seen_at, last_seen_at)"
            " SELECT 'sql-1', id, 'Ajouté à la main', now(), now() FROM articles"
        )
        conn.exec_driver_sql(
            "UPDATE comments SET text = 'Texte modifié' WHERE comment_id = '1-0'"
        )
        conn.exec_driver_sql(
            "UPDATE comments SET search_vector = to_tsvector('simple', 'faux')"
            " WHERE comment_id = 'sql-1'"
        )
    assert _wrong_vectors(engine) == 0
    assert _scalar(
        engine,
        "SELECT search_vector::text FROM comments WHERE comment_id = '1-0'",
    ) == "'modif':2 'text':1"


def test_a_database_before_the_migration_is_written_and_migrated(
    empty_pg_db_url: str,
) -> None:
    migrate.upgrade(empty_pg_db_url, "0005_sites")
    engine = sa.create_engine(empty_pg_db_url)
    generated = (
        "SELECT attgenerated FROM pg_attribute WHERE attrelid = 'comments'::regclass"
        " AND attname = 'search_vector'"
    )
    try:
        with Storage(empty_pg_db_url) as storage:
            # A generated column takes no value: the writer sends none.
            assert not storage.write_articles([article(1, TEXTS)]).failures
            storage.upgrade()
            assert _scalar(engine, generated) == ""
            _without_insert_trigger(engine)
            assert not storage.write_articles([article(2, TEXTS)]).failures
        assert _scalar(engine, "SELECT count(search_vector) FROM comments") == 2 * len(TEXTS)
        assert _wrong_vectors(engine) == 0

        migrate.downgrade(empty_pg_db_url, "0005_sites")
        assert _scalar(engine, generated) == "s"
        assert _wrong_vectors(engine) == 0
        assert _scalar(
            engine,
            "SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_comments_search_vector'",
        ) == 1
    finally:
        engine.dispose()
