"""The site of each article and comment; comment ids unique per site.

Revision ID: 0005_sites
Revises: 0004_search
Create Date: 2026-11-30

Several sites of one platform can be crawled into one database (``crawler.sites``). Their
article identities already carry the site (``rtl:<id>``, ``funradio:<id>``); comment ids
are the sites' own, so two sites may use the same one.

- ``articles.site``, ``comments.site``: the site's name; rows stored before are RTL's
  (the only site there was), or the site their identity names.
- ``comments``: unique on ``(site, comment_id)`` instead of ``comment_id``.

On SQLite the ``comments`` table is rebuilt to change its constraint, which drops the
full-text triggers of ``0004_search`` on it: they are created again the same way.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "0005_sites"
down_revision: str | None = "0004_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Sites before this revision: only RTL's articles were stored.
EARLIER_SITE = "rtl"


def _search_revision():
    # The triggers are 0004's, as 0004 made them: loaded from its file, not copied.
    path = Path(__file__).with_name("0004_search.py")
    spec = importlib.util.spec_from_file_location("revision_0004_search", path)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def _rebuild_comments_sqlite(
    unique: tuple[str, ...], name: str, old: str, drop_site: bool = False
) -> None:
    search = _search_revision()
    fts, _ = search.FTS["comments"]
    for action in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS {fts}_{action}")
    # The rebuild renames a copy to "comments"; SQLite would first check the views that
    # name the table (article_summary) against a schema that has none for a moment.
    op.execute("PRAGMA legacy_alter_table = ON")
    with op.batch_alter_table("comments", recreate="always") as batch:
        batch.drop_constraint(old, type_="unique")
        batch.create_unique_constraint(name, list(unique))
        if drop_site:
            batch.drop_column("site")
    op.execute("PRAGMA legacy_alter_table = OFF")
    for trigger in search._sqlite_triggers("comments"):
        op.execute(trigger)


def upgrade() -> None:
    for table in ("articles", "comments"):
        op.add_column(
            table,
            sa.Column("site", sa.Text(), nullable=False, server_default=EARLIER_SITE),
        )
    # Identities name their site ("funradio:7900..."); URL identities have none.
    op.execute(
        "UPDATE articles SET site = substr(identity, 1, instr(identity, ':') - 1)"
        if op.get_context().dialect.name == "sqlite"
        else "UPDATE articles SET site = split_part(identity, ':', 1)"
    )
    op.execute(
        "UPDATE articles SET site = 'rtl' WHERE site = '' OR site LIKE 'http%'"
    )
    op.execute(
        "UPDATE comments SET site ="
        " (SELECT site FROM articles WHERE articles.id = comments.article_id)"
    )
    if op.get_context().dialect.name == "sqlite":
        _rebuild_comments_sqlite(
            ("site", "comment_id"), "uq_comments_site_comment_id", "uq_comments_comment_id"
        )
    else:
        op.drop_constraint("uq_comments_comment_id", "comments", type_="unique")
        op.create_unique_constraint(
            "uq_comments_site_comment_id", "comments", ["site", "comment_id"]
        )
    op.create_index("ix_articles_site", "articles", ["site"])


def downgrade() -> None:
    op.drop_index("ix_articles_site", "articles")
    if op.get_context().dialect.name != "sqlite":
        op.drop_constraint("uq_comments_site_comment_id", "comments", type_="unique")
        op.create_unique_constraint("uq_comments_comment_id", "comments", ["comment_id"])
        for table in ("articles", "comments"):
            op.drop_column(table, "site")
        return
    _rebuild_comments_sqlite(
        ("comment_id",), "uq_comments_comment_id", "uq_comments_site_comment_id",
        drop_site=True,
    )
    # A plain column in no index or view: SQLite (3.35+) drops it in place, without
    # rebuilding a table that others point at.
    op.execute("ALTER TABLE articles DROP COLUMN site")
