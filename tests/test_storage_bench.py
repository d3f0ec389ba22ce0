"""The storage benchmark's two figures (``make bench``): the storage layer writing
prepared articles, and PostgreSQL alone inserting the same rows of every table again."""

from __future__ import annotations

import sqlalchemy as sa

from benchmarks.storage_bench import measure, server_alone


def test_server_alone_reinserts_every_row_and_leaves_the_tables_as_they_were(
    empty_pg_db_url: str,
) -> None:
    written = measure(empty_pg_db_url, articles=3, comments=5, batch_size=2)
    assert (written.articles, written.comments) == (3, 15)
    engine = sa.create_engine(empty_pg_db_url, poolclass=sa.pool.NullPool)
    snapshot = (
        "SELECT (SELECT count(*) FROM article_versions), (SELECT count(*) FROM article_urls),"
        " (SELECT array_agg((id, comment_id, article_id, search_vector) ORDER BY id)::text"
        "  FROM comments),"
        " (SELECT array_agg((id, identity, search_vector) ORDER BY id)::text FROM articles)"
    )
    try:
        with engine.connect() as conn:
            before = conn.exec_driver_sql(snapshot).all()
        ceiling = server_alone(empty_pg_db_url, rounds=2)
        with engine.connect() as conn:
            after = conn.exec_driver_sql(snapshot).all()
    finally:
        engine.dispose()
    assert (ceiling.articles, ceiling.comments) == (3, 15)
    assert ceiling.seconds > 0
    assert before[0][:2] == (3, 3)  # a version and a URL per article
    # Each round was rolled back: the same rows, ids and search vectors.
    assert after == before
