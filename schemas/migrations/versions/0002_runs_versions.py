"""Run history, article versions, incremental-crawl state and near-duplicate links.

Revision ID: 0002_runs_versions
Revises: 0001_initial
Create Date: 2026-11-28

- ``crawl_runs``: one row per crawl, with its counts; articles, comments, versions and
  rejected pages point to the run that first stored them.
- ``article_versions``: every content version; existing articles get their version 1.
- ``articles``: current version number, MinHash fingerprint and ``duplicate_of`` for wire
  copies, HTTP validators for conditional requests.
- ``comments.duplicate_kind``: ``exact`` or ``near`` for repeats.
- ``rejected_pages``: one row per URL (was one per rejection), so a re-crawl that meets the
  same broken page again adds nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0002_runs_versions"
down_revision: str | Sequence[str] | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")
TIMESTAMPTZ = sa.DateTime(timezone=True)

_AUTHORS_AND_TAGS = {
    "postgresql": """
    (SELECT string_agg(au.name, ', ' ORDER BY aa.position)
       FROM article_authors aa JOIN authors au ON au.id = aa.author_id
      WHERE aa.article_id = a.id) AS authors,
    (SELECT string_agg(t.name, ', ' ORDER BY at.position)
       FROM article_tags at JOIN tags t ON t.id = at.tag_id
      WHERE at.article_id = a.id) AS tags,""",
    "sqlite": """
    (SELECT group_concat(name, ', ') FROM (
        SELECT au.name AS name
          FROM article_authors aa JOIN authors au ON au.id = aa.author_id
         WHERE aa.article_id = a.id
         ORDER BY aa.position)) AS authors,
    (SELECT group_concat(name, ', ') FROM (
        SELECT t.name AS name
          FROM article_tags at JOIN tags t ON t.id = at.tag_id
         WHERE at.article_id = a.id
         ORDER BY at.position)) AS tags,""",
}


def _summary_view(dialect: str, with_versions: bool) -> str:
    extra = "    a.version,\n    a.duplicate_of,\n" if with_versions else ""
    return f"""
CREATE VIEW article_summary AS
SELECT
    a.id,
    a.identity,
    a.url,
    a.title,
    a.section,
    a.published_at,
{extra}{_AUTHORS_AND_TAGS[dialect]}
    (SELECT count(*) FROM comments c WHERE c.article_id = a.id) AS comment_count
FROM articles a
"""


def _run_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["crawl_runs.id"], name=op.f(f"fk_{table}_{column}_crawl_runs"),
        ondelete="SET NULL",
    )  # fmt: skip


def _free_primary_key_name(dialect: str) -> None:
    # rejected_pages is rebuilt as a new table under the same primary key name; on
    # PostgreSQL constraint names are unique per schema, so the old one goes first.
    if dialect == "postgresql":
        op.execute("ALTER TABLE rejected_pages DROP CONSTRAINT pk_rejected_pages")


def upgrade() -> None:
    dialect = op.get_context().dialect.name
    # SQLite rebuilds altered tables, which a view over them would block.
    op.execute("DROP VIEW article_summary")

    op.create_table(
        "crawl_runs",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("job", sa.Text(), nullable=False),
        sa.Column("spider", sa.Text(), nullable=False),
        sa.Column("arguments", JSON, nullable=True),
        sa.Column("hostname", sa.Text(), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("started_at", TIMESTAMPTZ, nullable=False),
        sa.Column("finished_at", TIMESTAMPTZ, nullable=True),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("finish_reason", sa.Text(), nullable=True),
        sa.Column("requests", sa.Integer(), nullable=True),
        sa.Column("responses", sa.Integer(), nullable=True),
        sa.Column("responses_by_status", JSON, nullable=True),
        sa.Column("articles_new", sa.Integer(), nullable=True),
        sa.Column("articles_updated", sa.Integer(), nullable=True),
        sa.Column("articles_unchanged", sa.Integer(), nullable=True),
        sa.Column("comments_new", sa.Integer(), nullable=True),
        sa.Column("pages_rejected", sa.Integer(), nullable=True),
        sa.Column("duplicates_merged", sa.Integer(), nullable=True),
        sa.Column("errors", sa.Integer(), nullable=True),
        sa.Column("stats", JSON, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_runs")),
    )
    op.create_index(op.f("ix_crawl_runs_job"), "crawl_runs", ["job"])
    op.create_index(op.f("ix_crawl_runs_started_at"), "crawl_runs", ["started_at"])

    with op.batch_alter_table("articles") as batch:
        batch.add_column(
            sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False)
        )
        batch.add_column(sa.Column("fingerprint", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("duplicate_of", ID, nullable=True))
        batch.add_column(sa.Column("duplicate_similarity", sa.Float(), nullable=True))
        batch.add_column(sa.Column("first_run_id", ID, nullable=True))
        batch.add_column(sa.Column("etag", sa.Text(), nullable=True))
        batch.add_column(sa.Column("http_last_modified", sa.Text(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_articles_duplicate_of_articles"), "articles", ["duplicate_of"], ["id"],
            ondelete="SET NULL",
        )  # fmt: skip
        batch.create_foreign_key(
            op.f("fk_articles_first_run_id_crawl_runs"), "crawl_runs", ["first_run_id"], ["id"],
            ondelete="SET NULL",
        )  # fmt: skip
        batch.create_index(op.f("ix_articles_duplicate_of"), ["duplicate_of"])
        batch.create_index(op.f("ix_articles_first_run_id"), ["first_run_id"])

    with op.batch_alter_table("comments") as batch:
        batch.add_column(sa.Column("duplicate_kind", sa.Text(), nullable=True))
        batch.add_column(sa.Column("first_run_id", ID, nullable=True))
        batch.create_foreign_key(
            op.f("fk_comments_first_run_id_crawl_runs"), "crawl_runs", ["first_run_id"], ["id"],
            ondelete="SET NULL",
        )  # fmt: skip
        batch.create_index(op.f("ix_comments_first_run_id"), ["first_run_id"])
    op.execute("UPDATE comments SET duplicate_kind = 'exact' WHERE duplicate_of IS NOT NULL")

    op.create_table(
        "article_versions",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("article_id", ID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("lead", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("modified_at", TIMESTAMPTZ, nullable=True),
        sa.Column("captured_at", TIMESTAMPTZ, nullable=False),
        sa.Column("run_id", ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_article_versions_article_id_articles"),
            ondelete="CASCADE",
        ),  # fmt: skip
        _run_fk("article_versions", "run_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_article_versions")),
        sa.UniqueConstraint(
            "article_id", "version", name=op.f("uq_article_versions_article_id_version")
        ),
    )
    op.create_index(op.f("ix_article_versions_run_id"), "article_versions", ["run_id"])
    op.execute(
        "INSERT INTO article_versions"
        " (article_id, version, content_hash, title, lead, body, modified_at, captured_at)"
        " SELECT id, 1, coalesce(content_hash, ''), title, lead, body, modified_at,"
        " first_seen_at FROM articles"
    )

    # One row per URL: keep each URL's latest rejection, with the first time and the count.
    _free_primary_key_name(dialect)
    op.create_table(
        "rejected_pages_new",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("first_rejected_at", TIMESTAMPTZ, nullable=False),
        sa.Column("rejected_at", TIMESTAMPTZ, nullable=False),
        sa.Column("times_rejected", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("run_id", ID, nullable=True),
        _run_fk("rejected_pages", "run_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rejected_pages")),
        sa.UniqueConstraint("url", name=op.f("uq_rejected_pages_url")),
    )
    op.execute(
        "INSERT INTO rejected_pages_new"
        " (url, reason, detail, http_status, first_rejected_at, rejected_at, times_rejected)"
        " SELECT r.url, r.reason, r.detail, r.http_status, s.first_at, r.rejected_at, s.n"
        " FROM rejected_pages r JOIN ("
        "   SELECT url, min(rejected_at) AS first_at, max(id) AS last_id, count(*) AS n"
        "   FROM rejected_pages GROUP BY url) s ON r.id = s.last_id"
    )
    op.drop_table("rejected_pages")
    op.rename_table("rejected_pages_new", "rejected_pages")
    if dialect == "postgresql":
        op.execute("ALTER SEQUENCE rejected_pages_new_id_seq RENAME TO rejected_pages_id_seq")
    op.create_index(op.f("ix_rejected_pages_reason"), "rejected_pages", ["reason"])
    op.create_index(op.f("ix_rejected_pages_run_id"), "rejected_pages", ["run_id"])

    op.execute(_summary_view(dialect, with_versions=True))


def downgrade() -> None:
    dialect = op.get_context().dialect.name
    op.execute("DROP VIEW article_summary")

    _free_primary_key_name(dialect)
    op.create_table(
        "rejected_pages_old",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("rejected_at", TIMESTAMPTZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rejected_pages")),
    )
    op.execute(
        "INSERT INTO rejected_pages_old (url, reason, detail, http_status, rejected_at)"
        " SELECT url, reason, detail, http_status, rejected_at FROM rejected_pages"
    )
    op.drop_table("rejected_pages")
    op.rename_table("rejected_pages_old", "rejected_pages")
    if dialect == "postgresql":
        op.execute("ALTER SEQUENCE rejected_pages_old_id_seq RENAME TO rejected_pages_id_seq")
    op.create_index(op.f("ix_rejected_pages_url"), "rejected_pages", ["url"])
    op.create_index(op.f("ix_rejected_pages_reason"), "rejected_pages", ["reason"])

    op.drop_table("article_versions")
    with op.batch_alter_table("comments") as batch:
        batch.drop_index(op.f("ix_comments_first_run_id"))
        batch.drop_constraint(op.f("fk_comments_first_run_id_crawl_runs"), type_="foreignkey")
        batch.drop_column("first_run_id")
        batch.drop_column("duplicate_kind")
    with op.batch_alter_table("articles") as batch:
        batch.drop_index(op.f("ix_articles_first_run_id"))
        batch.drop_index(op.f("ix_articles_duplicate_of"))
        batch.drop_constraint(op.f("fk_articles_first_run_id_crawl_runs"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_articles_duplicate_of_articles"), type_="foreignkey")
        for column in (
            "http_last_modified", "etag", "first_run_id",
            "duplicate_similarity", "duplicate_of", "fingerprint", "version",
        ):  # fmt: skip
            batch.drop_column(column)
    op.drop_table("crawl_runs")
    op.execute(_summary_view(dialect, with_versions=False))
