"""Comment search vectors kept by a trigger, so that a writer may bring them computed.

Revision ID: 0006_comment_vectors
Revises: 0005_sites
Create Date: 2026-11-30

PostgreSQL only (SQLite's full-text tables are unchanged):

- ``comments.search_vector`` stops being a generated column (``DROP EXPRESSION`` keeps
  every stored value, without rewriting the table);
- the trigger function ``comments_search_vector()`` sets it to
  ``to_tsvector('french_unaccent', text)``, fired by ``comments_search_vector_insert``
  (before an insert that brings no vector) and ``comments_search_vector_update`` (before
  any update that changes the text or the vector: an edit always recomputes, and nobody
  can set a vector that does not match the text by ``UPDATE``).

Why: ``to_tsvector`` with the French stemmer is about half of the server's work per
comment, and a generated column computes it in the inserting backend, one core, under
the storage's write lock. The storage now computes the vectors of a batch's new comments
with the same expression on a second connection, another backend, while the first one
writes, and inserts them with the rows (``pipelines.search_vectors``).

The downgrade makes the column generated again (the table is rewritten once).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import TSVECTOR

revision: str = "0006_comment_vectors"
down_revision: str | None = "0005_sites"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: As in 0004_search: the comments' expression.
VECTOR = "to_tsvector('french_unaccent', text)"


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE comments ALTER COLUMN search_vector DROP EXPRESSION")
    op.execute(
        "CREATE FUNCTION comments_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$"
        " BEGIN NEW.search_vector := to_tsvector('french_unaccent', NEW.text); RETURN NEW; END"
        " $$"
    )
    op.execute(
        "CREATE TRIGGER comments_search_vector_insert BEFORE INSERT ON comments"
        " FOR EACH ROW WHEN (NEW.search_vector IS NULL)"
        " EXECUTE FUNCTION comments_search_vector()"
    )
    op.execute(
        "CREATE TRIGGER comments_search_vector_update BEFORE UPDATE OF text, search_vector"
        " ON comments FOR EACH ROW WHEN (NEW.text IS DISTINCT FROM OLD.text"
        " OR NEW.search_vector IS DISTINCT FROM OLD.search_vector)"
        " EXECUTE FUNCTION comments_search_vector()"
    )


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    for action in ("insert", "update"):
        op.execute(f"DROP TRIGGER comments_search_vector_{action} ON comments")
    op.execute("DROP FUNCTION comments_search_vector()")
    # A column cannot become generated again: it is made anew, and indexed anew.
    op.drop_index("ix_comments_search_vector", table_name="comments")
    op.drop_column("comments", "search_vector")
    op.add_column(
        "comments", sa.Column("search_vector", TSVECTOR(), sa.Computed(VECTOR, persisted=True))
    )
    op.create_index(
        "ix_comments_search_vector", "comments", ["search_vector"], postgresql_using="gin"
    )
