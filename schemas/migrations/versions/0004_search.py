"""French full-text search over articles and comments.

Revision ID: 0004_search
Revises: 0003_run_coverage
Create Date: 2026-12-01

PostgreSQL:

- the ``unaccent`` extension (``CREATE EXTENSION IF NOT EXISTS``: trusted since
  PostgreSQL 13, so the database's owner may install it; see README "Searching the
  archive" for what a production database needs);
- the text search configuration ``french_unaccent``: a copy of ``french`` whose word
  tokens go through the ``unaccent`` dictionary before ``french_stem``, so "État",
  "etat" and "états" meet on one lexeme;
- ``articles.search_vector`` (title weight A, lead B, body C) and
  ``comments.search_vector`` (the text): stored generated ``tsvector`` columns, with a GIN
  index each. ``to_tsvector`` with a constant configuration is immutable, which is what a
  generated column requires. Adding them rewrites both tables once.

SQLite:

- ``articles_fts`` (title, lead, body) and ``comments_fts`` (text): external-content FTS5
  tables over the rows of ``articles`` and ``comments`` (the text is not stored twice),
  tokenized by ``unicode61`` with ``remove_diacritics 2``; triggers keep them in step with
  every insert, delete and update of the indexed columns. A later migration that rebuilds
  ``articles`` or ``comments`` on SQLite (a batch "move and copy") drops these triggers
  with the old table and must create them again.

The downgrade removes all of it except the ``unaccent`` extension, which may have been
there before and may serve other objects.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import TSVECTOR

revision: str = "0004_search"
down_revision: str | Sequence[str] | None = "0003_run_coverage"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONFIG = "french_unaccent"

ARTICLE_VECTOR = (
    f"setweight(to_tsvector('{CONFIG}', coalesce(title, '')), 'A')"
    f" || setweight(to_tsvector('{CONFIG}', coalesce(lead, '')), 'B')"
    f" || setweight(to_tsvector('{CONFIG}', coalesce(body, '')), 'C')"
)
COMMENT_VECTOR = f"to_tsvector('{CONFIG}', text)"

#: The FTS5 table over each table, and the columns it indexes.
FTS = {
    "articles": ("articles_fts", ("title", "lead", "body")),
    "comments": ("comments_fts", ("text",)),
}
TOKENIZER = "unicode61 remove_diacritics 2"


def _sqlite_triggers(table: str) -> list[str]:
    fts, columns = FTS[table]
    names = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    # An external-content table forgets a row by being told its old values ('delete').
    forget = f"INSERT INTO {fts} ({fts}, rowid, {names}) VALUES ('delete', old.id, {old});"
    learn = f"INSERT INTO {fts} (rowid, {names}) VALUES (new.id, {new});"
    return [
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {learn} END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {forget} END",
        # Only when an indexed column is written: storage touches last_seen_at on every
        # re-crawl, which must not re-index the text.
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {names} ON {table}"
        f" BEGIN {forget} {learn} END",
    ]


def _require_fts5() -> None:
    options = {row[0] for row in op.get_bind().exec_driver_sql("PRAGMA compile_options")}
    if "ENABLE_FTS5" not in options:
        raise RuntimeError(
            "this SQLite library was built without FTS5, which full-text search needs: "
            "use a Python whose sqlite3 has it (the python.org and Debian builds do)"
        )


def upgrade() -> None:
    dialect = op.get_context().dialect.name
    if dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        op.execute(f"CREATE TEXT SEARCH CONFIGURATION {CONFIG} (COPY = pg_catalog.french)")
        op.execute(
            f"ALTER TEXT SEARCH CONFIGURATION {CONFIG}"
            " ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem"
        )
        for table, expression in (("articles", ARTICLE_VECTOR), ("comments", COMMENT_VECTOR)):
            op.add_column(
                table,
                sa.Column(
                    "search_vector", TSVECTOR(), sa.Computed(expression, persisted=True)
                ),
            )
            op.create_index(
                f"ix_{table}_search_vector", table, ["search_vector"], postgresql_using="gin"
            )
    else:
        _require_fts5()
        for table, (fts, columns) in FTS.items():
            op.execute(
                f"CREATE VIRTUAL TABLE {fts} USING fts5({', '.join(columns)},"
                f" content='{table}', content_rowid='id', tokenize='{TOKENIZER}')"
            )
            for trigger in _sqlite_triggers(table):
                op.execute(trigger)
            # Index what is already stored.
            op.execute(f"INSERT INTO {fts} ({fts}) VALUES ('rebuild')")


def downgrade() -> None:
    dialect = op.get_context().dialect.name
    if dialect == "postgresql":
        for table in ("comments", "articles"):
            op.drop_index(f"ix_{table}_search_vector", table_name=table)
            op.drop_column(table, "search_vector")
        op.execute(f"DROP TEXT SEARCH CONFIGURATION {CONFIG}")
    else:
        for fts, _ in FTS.values():
            for action in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER {fts}_{action}")
            op.execute(f"DROP TABLE {fts}")
