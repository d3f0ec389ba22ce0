"""Initial schema: articles, their URLs, authors, tags, comments, rejected pages, summary view.

Revision ID: 0001_initial
Revises:
Create Date: 2025-11-28

Written out by hand (not imported from ``schemas.tables``) so that this revision keeps
building the same schema when the tables module moves on; ``tests/test_schema.py`` checks
that the head revision and ``schemas.tables`` agree.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0001_initial"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite autoincrements only an "INTEGER PRIMARY KEY" column.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")
TIMESTAMPTZ = sa.DateTime(timezone=True)

# The authors and tags lists keep their page order. PostgreSQL orders inside the
# aggregate; SQLite before 3.44 cannot, and concatenates in the order of an ordered
# subquery, which it does in practice for this simple shape.
SUMMARY_VIEW = {
    "postgresql": """
CREATE VIEW article_summary AS
SELECT
    a.id,
    a.identity,
    a.url,
    a.title,
    a.section,
    a.published_at,
    (SELECT string_agg(au.name, ', ' ORDER BY aa.position)
       FROM article_authors aa JOIN authors au ON au.id = aa.author_id
      WHERE aa.article_id = a.id) AS authors,
    (SELECT string_agg(t.name, ', ' ORDER BY at.position)
       FROM article_tags at JOIN tags t ON t.id = at.tag_id
      WHERE at.article_id = a.id) AS tags,
    (SELECT count(*) FROM comments c WHERE c.article_id = a.id) AS comment_count
FROM articles a
""",
    "sqlite": """
CREATE VIEW article_summary AS
SELECT
    a.id,
    a.identity,
    a.url,
    a.title,
    a.section,
    a.published_at,
    (SELECT group_concat(name, ', ') FROM (
        SELECT au.name AS name
          FROM article_authors aa JOIN authors au ON au.id = aa.author_id
         WHERE aa.article_id = a.id
         ORDER BY aa.position)) AS authors,
    (SELECT group_concat(name, ', ') FROM (
        SELECT t.name AS name
          FROM article_tags at JOIN tags t ON t.id = at.tag_id
         WHERE at.article_id = a.id
         ORDER BY at.position)) AS tags,
    (SELECT count(*) FROM comments c WHERE c.article_id = a.id) AS comment_count
FROM articles a
""",
}


def _article_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["article_id"],
        ["articles.id"],
        name=op.f(f"fk_{table}_article_id_articles"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    dialect = op.get_context().dialect.name
    if dialect not in SUMMARY_VIEW:
        raise RuntimeError(f"unsupported database {dialect!r}: use PostgreSQL or SQLite")

    op.create_table(
        "articles",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("identity", sa.Text(), nullable=False),
        sa.Column("article_id", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("canonical_url", sa.Text(), nullable=True),
        sa.Column("section", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("lead", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("body_blocks", JSON, nullable=True),
        sa.Column("co_credit", sa.Text(), nullable=True),
        sa.Column("published_at", TIMESTAMPTZ, nullable=True),
        sa.Column("modified_at", TIMESTAMPTZ, nullable=True),
        sa.Column("reading_time_minutes", sa.Integer(), nullable=True),
        sa.Column("keywords", JSON, nullable=True),
        sa.Column("image_url", sa.Text(), nullable=True),
        sa.Column("image_caption", sa.Text(), nullable=True),
        sa.Column("image_credit", sa.Text(), nullable=True),
        sa.Column("related_urls", JSON, nullable=True),
        sa.Column("language", sa.Text(), nullable=True),
        sa.Column("extraction", JSON, nullable=True),
        sa.Column("content_hash", sa.Text(), nullable=True),
        sa.Column("first_seen_at", TIMESTAMPTZ, nullable=False),
        sa.Column("last_seen_at", TIMESTAMPTZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_articles")),
        sa.UniqueConstraint("identity", name=op.f("uq_articles_identity")),
    )
    for column in ("article_id", "canonical_url", "section", "published_at"):
        op.create_index(op.f(f"ix_articles_{column}"), "articles", [column])

    op.create_table(
        "article_urls",
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("article_id", ID, nullable=False),
        _article_fk("article_urls"),
        sa.PrimaryKeyConstraint("url", name=op.f("pk_article_urls")),
    )
    op.create_index(op.f("ix_article_urls_article_id"), "article_urls", ["article_id"])

    for name in ("authors", "tags"):
        op.create_table(
            name,
            sa.Column("id", ID, autoincrement=True, nullable=False),
            sa.Column("name", sa.Text(), nullable=False),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
            sa.UniqueConstraint("name", name=op.f(f"uq_{name}_name")),
        )

    for link, target, column in (
        ("article_authors", "authors", "author_id"),
        ("article_tags", "tags", "tag_id"),
    ):
        op.create_table(
            link,
            sa.Column("article_id", ID, nullable=False),
            sa.Column(column, ID, nullable=False),
            sa.Column("position", sa.Integer(), nullable=False),
            _article_fk(link),
            sa.ForeignKeyConstraint(
                [column],
                [f"{target}.id"],
                name=op.f(f"fk_{link}_{column}_{target}"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("article_id", column, name=op.f(f"pk_{link}")),
        )
        op.create_index(op.f(f"ix_{link}_{column}"), link, [column])

    op.create_table(
        "comments",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("comment_id", sa.Text(), nullable=False),
        sa.Column("article_id", ID, nullable=False),
        sa.Column("parent_id", sa.Text(), nullable=True),
        sa.Column("author", sa.Text(), nullable=True),
        sa.Column("posted_at", TIMESTAMPTZ, nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("duplicate_of", sa.Text(), nullable=True),
        sa.Column("first_seen_at", TIMESTAMPTZ, nullable=False),
        sa.Column("last_seen_at", TIMESTAMPTZ, nullable=False),
        _article_fk("comments"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
        sa.UniqueConstraint("comment_id", name=op.f("uq_comments_comment_id")),
    )
    op.create_index(op.f("ix_comments_article_id"), "comments", ["article_id"])
    op.create_index(op.f("ix_comments_parent_id"), "comments", ["parent_id"])

    op.create_table(
        "rejected_pages",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("rejected_at", TIMESTAMPTZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rejected_pages")),
    )
    op.create_index(op.f("ix_rejected_pages_url"), "rejected_pages", ["url"])
    op.create_index(op.f("ix_rejected_pages_reason"), "rejected_pages", ["reason"])

    op.execute(SUMMARY_VIEW[dialect])


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS article_summary")
    # Dropping a table drops its indexes with it, on both backends.
    for table in (
        "rejected_pages",
        "comments",
        "article_tags",
        "tags",
        "article_authors",
        "authors",
        "article_urls",
        "articles",
    ):
        op.drop_table(table)
