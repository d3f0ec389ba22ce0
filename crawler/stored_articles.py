"""Stored articles as records in the items' field names, read in batches.

Each record is one article with its authors, tags, URLs and (optionally) its comments,
keyed like ``crawler.items.ArticleItem`` after cleaning: the fields the pipelines fill
from a page, in the item's order. Left out: what only concerns fetching (``etag``,
``http_last_modified``, ``not_modified``). Times are ISO 8601 in UTC
(``2019-11-09T07:35:00+00:00``), the same on PostgreSQL and SQLite.

Rows are read ``batch_size`` at a time (PostgreSQL: a server-side cursor), and each
batch's authors, tags, URLs and comments with one query per kind, so memory does not grow
with the archive. Run it inside one transaction (``export_records`` does not commit): on
PostgreSQL at REPEATABLE READ the batches then see one snapshot while a crawl writes.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from crawler.items import ArticleItem
from schemas import tables as t

#: Item fields that describe a fetch, not the article.
NOT_EXPORTED = ("etag", "http_last_modified", "not_modified")
#: The exported fields, in the item's order (``comments`` only when asked for).
FIELDS = tuple(f.name for f in dataclasses.fields(ArticleItem) if f.name not in NOT_EXPORTED)
#: Fields of a comment, in the item's order; ``duplicate_of`` only on a repeat.
COMMENT_FIELDS = ("comment_id", "parent_id", "author", "posted_at", "text")
BATCH_SIZE = 500


def fields(with_comments: bool) -> tuple[str, ...]:
    """The keys of each record, in order."""
    return FIELDS if with_comments else tuple(f for f in FIELDS if f != "comments")


def iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


def export_records(
    conn: sa.Connection,
    *,
    since: datetime | None = None,
    with_comments: bool = False,
    batch_size: int = BATCH_SIZE,
) -> Iterator[dict[str, Any]]:
    """Every stored article published from ``since`` on (all when ``None``), oldest
    first (articles without a date last), as one record each."""
    a = t.articles
    query = sa.select(a).order_by(a.c.published_at.is_(None), a.c.published_at, a.c.id)
    if since is not None:
        query = query.where(a.c.published_at >= since)
    # On the statement, not the connection: the batch queries below are not streamed.
    rows = conn.execute(query.execution_options(yield_per=batch_size)).mappings()
    for batch in rows.partitions():
        ids = [row["id"] for row in batch]
        authors = _names(conn, t.article_authors, t.authors, "author_id", ids)
        tags = _names(conn, t.article_tags, t.tags, "tag_id", ids)
        aliases = _aliases(conn, ids)
        comments = _comments(conn, ids) if with_comments else None
        for row in batch:
            pk = row["id"]
            record = _record(row, authors[pk], tags[pk], aliases[pk])
            if comments is not None:
                record["comments"] = comments[pk]
            yield {name: record[name] for name in fields(with_comments)}


def _record(
    row: Any, authors: list[str], tags: list[str], aliases: list[str]
) -> dict[str, Any]:
    image = None
    if row["image_url"] is not None:
        image = {"url": row["image_url"], "caption": row["image_caption"],
                 "credit": row["image_credit"]}  # fmt: skip
    return {
        "url": row["url"],
        "site": row["site"],
        "canonical_url": row["canonical_url"],
        "article_id": row["article_id"],
        "section": row["section"],
        "title": row["title"],
        "lead": row["lead"],
        "authors": authors,
        "co_credit": row["co_credit"],
        "published_at": iso(row["published_at"]),
        "modified_at": iso(row["modified_at"]),
        "reading_time_minutes": row["reading_time_minutes"],
        "tags": tags,
        "keywords": row["keywords"] or [],
        "image": image,
        "body": row["body"],
        "body_blocks": row["body_blocks"] or [],
        "related_urls": row["related_urls"] or [],
        "language": row["language"],
        "extraction": row["extraction"] or {},
        "aliases": aliases,
    }


def _names(
    conn: sa.Connection, links: sa.Table, names: sa.Table, key: str, ids: Sequence[int]
) -> defaultdict[int, list[str]]:
    query = (
        sa.select(links.c.article_id, names.c.name)
        .join(names, names.c.id == links.c[key])
        .where(links.c.article_id.in_(ids))
        .order_by(links.c.article_id, links.c.position)
    )
    return _grouped(conn.execute(query))


def _aliases(conn: sa.Connection, ids: Sequence[int]) -> defaultdict[int, list[str]]:
    u = t.article_urls
    query = sa.select(u.c.article_id, u.c.url).where(u.c.article_id.in_(ids))
    return _grouped(conn.execute(query.order_by(u.c.article_id, u.c.url)))


def _grouped(rows: Iterable[Any]) -> defaultdict[int, list[Any]]:
    grouped: defaultdict[int, list[Any]] = defaultdict(list)
    for pk, value in rows:
        grouped[pk].append(value)
    return grouped


def _comments(conn: sa.Connection, ids: Sequence[int]) -> defaultdict[int, list[dict]]:
    c = t.comments
    query = (
        sa.select(c.c.article_id, *(c.c[name] for name in COMMENT_FIELDS), c.c.duplicate_of)
        .where(c.c.article_id.in_(ids))
        .order_by(c.c.article_id, c.c.posted_at.is_(None), c.c.posted_at, c.c.id)
    )
    grouped: defaultdict[int, list[dict]] = defaultdict(list)
    for row in conn.execute(query).mappings():
        comment = {name: row[name] for name in COMMENT_FIELDS}
        comment["posted_at"] = iso(comment["posted_at"])
        if row["duplicate_of"] is not None:
            comment["duplicate_of"] = row["duplicate_of"]
        grouped[row["article_id"]].append(comment)
    for pk, thread in grouped.items():
        grouped[pk] = parents_first(thread)
    return grouped


def parents_first(thread: list[dict]) -> list[dict]:
    """``thread`` in its order, except that a reply never comes before its parent (when
    the parent is in the thread): the item contract lists parents before replies."""
    present = {comment["comment_id"] for comment in thread}
    placed: set[str] = set()
    waiting: defaultdict[str, list[dict]] = defaultdict(list)
    ordered: list[dict] = []

    def place(comment: dict) -> None:
        stack = [comment]
        while stack:
            current = stack.pop()
            ordered.append(current)
            placed.add(current["comment_id"])
            stack.extend(reversed(waiting.pop(current["comment_id"], [])))

    for comment in thread:
        parent = comment["parent_id"]
        if parent is not None and parent in present and parent not in placed:
            waiting[parent].append(comment)
        else:
            place(comment)
    # Replies in a parent cycle (never seen on the site) keep their order at the end.
    for replies in waiting.values():
        ordered.extend(replies)
    return ordered
