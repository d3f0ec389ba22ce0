"""The store pipeline's worker thread on real PostgreSQL: bounded, in order, exact counts.

The pipeline runs under a real reactor in a child process (``tests.store_writer_driver``)
while this test holds the database's write lock (the advisory lock every write
transaction takes first): the worker thread is stuck on the first batch, so what the
pipeline does with the next ones is decided, not raced. Then the lock is let go and
everything must be written, in the order it was handed over, with exact counts.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from pipelines.storage import Storage

ROOT = Path(__file__).resolve().parent.parent


def test_batches_wait_for_room_then_all_are_written_in_order(
    clean_pg_db_url: str, tmp_path: Path
) -> None:
    articles, capacity = 7, 2
    key = Storage(clean_pg_db_url)._write_key
    engine = sa.create_engine(clean_pg_db_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as holder:
            holder.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": key})
            holder.commit()
            child = subprocess.Popen(
                [sys.executable, "-m", "tests.store_writer_driver", clean_pg_db_url,
                 str(tmp_path / "spool"), str(articles), str(capacity)],
                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )  # fmt: skip
            assert child.stdout is not None
            first = child.stdout.readline()
            assert first, child.communicate(timeout=60)[1]
            blocked = json.loads(first)
            # Nothing can be written while the lock is held.
            assert _count(engine, "articles") == 0
            holder.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            holder.commit()
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        assert "Traceback" not in err, err
        assert "Deprecation" not in err, err
        final = json.loads(out.strip().splitlines()[-1])

        assert blocked == {
            "threaded": "ThreadedWriter",
            # Two batches handed to the worker, the other five held back.
            "waiting": [2, 3, 4, 5, 6],
            "held_back": [False] * 5,
            "in_flight": 2,
            "pending": 7,
        }
        assert final["max_in_flight"] == capacity
        assert final["high_water"] == articles
        assert final["passed_on"] == articles
        assert final["stats"] == {
            "store/articles_new": 7,
            "store/articles_updated": 0,
            "store/articles_unchanged": 0,
            "store/comments_new": 21,
            "store/comments_updated": 0,
            "store/aliases_new": 7,
            "store/articles_not_modified": 0,
            "store/versions_new": 0,
            "store/near_duplicates": 0,
            "store/comments_near_repeats": 0,
            "store/rejected_pages": 0,
            "store/failed": 0,
            "store/spooled": 0,
            "store/replayed": 0,
            "store/spool_pending": 0,
        }
        with engine.connect() as conn:
            stored = list(conn.scalars(sa.text("SELECT article_id FROM articles ORDER BY id")))
            run = conn.execute(
                sa.text("SELECT status, articles_new, comments_new FROM crawl_runs")
            ).one()
        # One worker: the rows were inserted in the order the items were handed over.
        assert stored == final["order"]
        assert tuple(run) == ("finished", 7, 21)
        assert _count(engine, "comments") == 21
    finally:
        engine.dispose()


def _count(engine: sa.Engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.scalar(sa.text(f"SELECT count(*) FROM {table}"))
