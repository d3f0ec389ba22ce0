"""The database tables, as SQLAlchemy Core metadata shared by PostgreSQL and SQLite.

This module is the reference the migrations are checked against (``tests/test_schema.py``
compares a migrated database with ``metadata``); the migrations themselves spell every
table out so that an old migration keeps building the schema it was written for.

Foreign keys to ``articles.id`` are named ``article_id`` as usual; the site's own 10-digit
article number is ``articles.article_id`` (text). Join child tables on ``articles.id``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

#: Constraint and index names are fixed so that migrations can refer to them and SQLite's
#: table-rebuilding "batch" migrations can recreate them under the same names.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)

#: Autoincrementing key: BIGSERIAL on PostgreSQL; on SQLite only a column declared exactly
#: ``INTEGER PRIMARY KEY`` aliases the rowid and autoincrements, so BIGINT would not do.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

#: JSON documents: JSONB on PostgreSQL (indexable, compact); ``none_as_null`` stores a
#: Python ``None`` as SQL NULL rather than the JSON literal ``null``.
JSON = sa.JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """An aware timestamp: ``timestamptz`` on PostgreSQL, UTC text on SQLite.

    SQLite has no time zone type and SQLAlchemy's SQLite ``DateTime`` silently drops the
    offset, so values are converted to UTC before storing and marked UTC when read back;
    both backends then return aware datetimes equal to what was written. Naive values are
    refused because the two backends would read them differently.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected an aware datetime, got {type(value).__name__}: {value!r}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} has no time zone")
        if dialect.name == "sqlite":
            return value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def _id() -> sa.Column[int]:
    return sa.Column("id", ID, primary_key=True, autoincrement=True)


def _article_fk(**kwargs: Any) -> sa.Column[int]:
    return sa.Column(
        "article_id",
        ID,
        sa.ForeignKey("articles.id", ondelete="CASCADE"),
        nullable=False,
        **kwargs,
    )


articles = sa.Table(
    "articles",
    metadata,
    _id(),
    # One key for upserts: "rtl:<10-digit id>" when the URL carries one, else the
    # canonical URL. A second unique key would make re-crawls conflict on either one.
    sa.Column("identity", sa.Text, nullable=False, unique=True),
    # The site the article is from (crawler.sites: "rtl", "funradio").
    sa.Column("site", sa.Text, nullable=False, server_default="rtl", index=True),
    sa.Column("article_id", sa.Text, index=True),
    # The URL the article was first stored from; later addresses go to article_urls.
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("canonical_url", sa.Text, index=True),
    sa.Column("section", sa.Text, index=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("lead", sa.Text),
    sa.Column("body", sa.Text),
    sa.Column("body_blocks", JSON),
    sa.Column("co_credit", sa.Text),
    sa.Column("published_at", UTCDateTime, index=True),
    sa.Column("modified_at", UTCDateTime),
    sa.Column("reading_time_minutes", sa.Integer),
    sa.Column("keywords", JSON),
    sa.Column("image_url", sa.Text),
    sa.Column("image_caption", sa.Text),
    sa.Column("image_credit", sa.Text),
    sa.Column("related_urls", JSON),
    sa.Column("language", sa.Text),
    sa.Column("extraction", JSON),
    # sha256 of the normalized title, lead and body: tells an edit from a re-crawl.
    sa.Column("content_hash", sa.Text),
    sa.Column("first_seen_at", UTCDateTime, nullable=False),
    sa.Column("last_seen_at", UTCDateTime, nullable=False),
    # Number of the current row in article_versions (1 = as first stored).
    sa.Column("version", sa.Integer, nullable=False, server_default=sa.text("1")),
    # MinHash of the lead and body (pipelines.nearduplicates.article_text leaves the title
    # out): compared with the articles published a few days around to find wire copies.
    sa.Column("fingerprint", sa.LargeBinary),
    # The original this article is a near-copy of (same dispatch, other URL/id): the
    # earliest publication of the story, the lower id on a tie.
    sa.Column(
        "duplicate_of",
        ID,
        sa.ForeignKey("articles.id", ondelete="SET NULL"),
        index=True,
    ),
    sa.Column("duplicate_similarity", sa.Float),
    sa.Column(
        "first_run_id", ID, sa.ForeignKey("crawl_runs.id", ondelete="SET NULL"), index=True
    ),
    # Validators for conditional requests on the next run.
    sa.Column("etag", sa.Text),
    sa.Column("http_last_modified", sa.Text),
)

article_urls = sa.Table(
    "article_urls",
    metadata,
    sa.Column("url", sa.Text, primary_key=True),
    _article_fk(index=True),
)

authors = sa.Table(
    "authors",
    metadata,
    _id(),
    sa.Column("name", sa.Text, nullable=False, unique=True),
)

article_authors = sa.Table(
    "article_authors",
    metadata,
    _article_fk(primary_key=True),
    sa.Column(
        "author_id",
        ID,
        sa.ForeignKey("authors.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
    sa.Column("position", sa.Integer, nullable=False),
)

tags = sa.Table(
    "tags",
    metadata,
    _id(),
    sa.Column("name", sa.Text, nullable=False, unique=True),
)

article_tags = sa.Table(
    "article_tags",
    metadata,
    _article_fk(primary_key=True),
    sa.Column(
        "tag_id",
        ID,
        sa.ForeignKey("tags.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
    sa.Column("position", sa.Integer, nullable=False),
)

comments = sa.Table(
    "comments",
    metadata,
    _id(),
    # The site's own id of the comment: unique within its site (two sites may share one).
    sa.Column("comment_id", sa.Text, nullable=False),
    sa.Column("site", sa.Text, nullable=False, server_default="rtl"),
    _article_fk(index=True),
    # The parent's site id, not a foreign key: a reply can be stored before its parent
    # (paging is newest first) and the parent may never be seen at all.
    sa.Column("parent_id", sa.Text, index=True),
    sa.Column("author", sa.Text),
    sa.Column("posted_at", UTCDateTime),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("duplicate_of", sa.Text),
    # "exact" (same author, same text) or "near" (same author, text differing only in
    # spacing, punctuation or a few characters); NULL when not a repeat.
    sa.Column("duplicate_kind", sa.Text),
    sa.Column("first_seen_at", UTCDateTime, nullable=False),
    sa.Column("last_seen_at", UTCDateTime, nullable=False),
    sa.Column(
        "first_run_id", ID, sa.ForeignKey("crawl_runs.id", ondelete="SET NULL"), index=True
    ),
    sa.UniqueConstraint("site", "comment_id", name="uq_comments_site_comment_id"),
)

#: Pages currently refused, one row per URL: a re-crawl that refuses the page again updates
#: the row (reason, time, count); storing the page as an article later removes it. How many
#: pages each run refused is in crawl_runs.
rejected_pages = sa.Table(
    "rejected_pages",
    metadata,
    _id(),
    sa.Column("url", sa.Text, nullable=False, unique=True),
    sa.Column("reason", sa.Text, nullable=False, index=True),
    sa.Column("detail", sa.Text),
    sa.Column("http_status", sa.Integer),
    sa.Column("first_rejected_at", UTCDateTime, nullable=False),
    sa.Column("rejected_at", UTCDateTime, nullable=False),
    sa.Column("times_rejected", sa.Integer, nullable=False, server_default=sa.text("1")),
    sa.Column("run_id", ID, sa.ForeignKey("crawl_runs.id", ondelete="SET NULL"), index=True),
)

#: Every content version of every article: version 1 is the text as first stored; a new
#: row is added only when the normalized title, lead or body changes (content_hash).
article_versions = sa.Table(
    "article_versions",
    metadata,
    _id(),
    _article_fk(),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("content_hash", sa.Text, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("lead", sa.Text),
    sa.Column("body", sa.Text),
    sa.Column("modified_at", UTCDateTime),
    sa.Column("captured_at", UTCDateTime, nullable=False),
    sa.Column("run_id", ID, sa.ForeignKey("crawl_runs.id", ondelete="SET NULL"), index=True),
    sa.UniqueConstraint("article_id", "version"),
)

#: One row per crawl: what ran, when, how it ended, and its counts from Scrapy's stats.
crawl_runs = sa.Table(
    "crawl_runs",
    metadata,
    _id(),
    # What the overlap lock is taken on: the spider name and its arguments.
    sa.Column("job", sa.Text, nullable=False, index=True),
    sa.Column("spider", sa.Text, nullable=False),
    sa.Column("arguments", JSON),
    sa.Column("hostname", sa.Text),
    sa.Column("pid", sa.Integer),
    sa.Column("started_at", UTCDateTime, nullable=False, index=True),
    sa.Column("finished_at", UTCDateTime),
    # running, finished, failed; a run whose process died stays "running" with no end
    # until the next run of the job marks it "interrupted". A finished run whose
    # extraction coverage collapsed stays "finished" and has ``alarm`` set (exit status 65).
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("finish_reason", sa.Text),
    sa.Column("requests", sa.Integer),
    sa.Column("responses", sa.Integer),
    # {"200": 120, "304": 30, ...}
    sa.Column("responses_by_status", JSON),
    sa.Column("articles_new", sa.Integer),
    sa.Column("articles_updated", sa.Integer),
    sa.Column("articles_unchanged", sa.Integer),
    sa.Column("comments_new", sa.Integer),
    sa.Column("pages_rejected", sa.Integer),
    sa.Column("duplicates_merged", sa.Integer),
    sa.Column("errors", sa.Integer),
    # Every stat Scrapy collected, for whatever the columns above do not cover.
    sa.Column("stats", JSON),
    # How the article pages read were extracted (pipelines.coverage.coverage_summary):
    # {"pages": 40, "parsed": 38, "articles": 35, "not_modified": 0, "rejected": 5,
    #  "rejected_share": 0.125, "rejected_by_reason": {"http_404": 1, ...},
    #  "fields": {"title": {"site": 0.9474, "json_ld": 0.0263, ..., "empty": 0.0263}, ...}}
    # Field shares are of the pages parsed, before validation refused any.
    sa.Column("coverage", JSON),
    # Why the coverage checks (pipelines.alarms) raised an alarm; NULL when they did not.
    sa.Column("alarm", sa.Text),
)

#: Name of the read-only view created by the migrations (not part of ``metadata``).
ARTICLE_SUMMARY_VIEW = "article_summary"

# --- Full-text search (migration 0004_search) ----------------------------------------
# Not part of ``metadata``: the two databases keep the index in different shapes, nothing
# in the code writes it (the database maintains it), and ``select(articles)`` must stay
# valid on both. ``schemas.search`` queries it.

#: PostgreSQL text search configuration: ``french`` with word tokens passed through the
#: ``unaccent`` dictionary before ``french_stem`` (stemming, stop words, accents ignored).
SEARCH_CONFIG = "french_unaccent"
#: PostgreSQL: a stored generated ``tsvector`` column of this name on each of
#: ``SEARCH_TABLES``, GIN-indexed as ``ix_<table>_search_vector``.
#: ``articles.search_vector``: title at weight A, lead at B, body at C (``ts_rank`` ranks a
#: title hit above a lead hit above a body hit); ``comments.search_vector``: the text.
SEARCH_VECTOR = "search_vector"
SEARCH_TABLES = ("articles", "comments")
#: SQLite: the external-content FTS5 table over each of ``SEARCH_TABLES`` (its rowid is
#: the row's ``id``), kept in step by triggers ``<fts>_insert``, ``<fts>_delete`` and
#: ``<fts>_update``: ``articles_fts(title, lead, body)``, ``comments_fts(text)``, tokenized
#: by ``unicode61 remove_diacritics 2`` (accents ignored, no stemming).
FTS_TABLES = {"articles": "articles_fts", "comments": "comments_fts"}


def in_metadata_comparison(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic ``include_name`` hook: leave the search objects out of schema comparisons.

    They are documented above rather than declared in ``metadata``; without this hook
    autogenerate would propose to drop them.
    """
    if name is None:
        return True
    if type_ == "table":
        return not any(name == fts or name.startswith(f"{fts}_") for fts in FTS_TABLES.values())
    if type_ == "column":
        return name != SEARCH_VECTOR
    if type_ == "index":
        return name not in {f"ix_{table}_{SEARCH_VECTOR}" for table in SEARCH_TABLES}
    return True
