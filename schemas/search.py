"""Ranked full-text search of the stored articles and comments, on PostgreSQL and SQLite.

PostgreSQL matches ``websearch_to_tsquery('french_unaccent', query)`` against the
``search_vector`` columns, ranks with ``ts_rank`` (title above lead above body, from the
vector's weights) and highlights with ``ts_headline``. SQLite matches the FTS5 tables with
the query translated by ``schemas.fts5_query``, ranks with ``bm25`` (columns weighted
title 10, lead 4, body 1) and highlights with ``snippet()``. Both need migration
``0004_search`` (``schemas.tables`` documents the objects it creates).

Only the ``limit`` best matches get a highlighted snippet: highlighting reads the whole
text of each row, ranking reads the index.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from schemas.fts5_query import EmptyQueryError, to_fts5
from schemas.tables import FTS_TABLES, SEARCH_CONFIG, UTCDateTime

__all__ = ["EmptyQueryError", "SearchHit", "search"]

#: Column weights of ``bm25()`` on ``articles_fts(title, lead, body)``, in that order.
BM25_WEIGHTS = (10.0, 4.0, 1.0)
#: Words of a snippet: PostgreSQL's ``MaxWords``, SQLite's token count.
SNIPPET_WORDS = 30
ELLIPSIS = "…"


@dataclass(frozen=True)
class SearchHit:
    """One result: an article, or a comment with the article it was posted under."""

    #: Publication time of the article, or posting time of the comment (aware).
    at: datetime | None
    #: The article's title, section and URL (for a comment: the article it is under).
    title: str
    section: str | None
    url: str
    #: Matching words between the ``highlight`` markers, gaps marked with "…".
    snippet: str
    #: Relevance: higher is better (``ts_rank`` on PostgreSQL, ``-bm25`` on SQLite);
    #: comparable only within one search.
    rank: float
    #: Comments only: the site's comment id and its author.
    comment_id: str | None = None
    author: str | None = None


def search(
    conn: sa.Connection,
    query: str,
    *,
    since: datetime | None = None,
    section: str | None = None,
    comments: bool = False,
    limit: int = 20,
    highlight: tuple[str, str] = ("**", "**"),
) -> list[SearchHit]:
    """The ``limit`` best matches of ``query`` (web-search syntax: words, "phrases", or,
    -excluded), best first; ties go to the most recent.

    ``since`` (aware) keeps articles published (comments posted) from then on; ``section``
    keeps articles of that section (comments under them). Raises ``EmptyQueryError`` when
    the query has nothing to look for (only stop words, say).
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    params: dict[str, Any] = {"limit": limit, "start": highlight[0], "stop": highlight[1]}
    filters = []
    if since is not None:
        filters.append(("c.posted_at" if comments else "a.published_at") + " >= :since")
        params["since"] = since
    if section is not None:
        filters.append("a.section = :section")
        params["section"] = section
    if conn.dialect.name == "postgresql":
        if not conn.scalar(sa.text(f"SELECT numnode({_tsquery()})"), {"query": query}):
            raise EmptyQueryError(
                "nothing to search for: the query has no words besides stop words "
                "(le, des, pour, ...) and excluded ones (-word)"
            )
        params["query"] = query
        params["options"] = _headline_options(highlight)
        sql = _postgres_comments(filters) if comments else _postgres_articles(filters)
    elif conn.dialect.name == "sqlite":
        params["query"] = to_fts5(query)
        params["ellipsis"] = ELLIPSIS
        params["words"] = SNIPPET_WORDS
        sql = _sqlite_comments(filters) if comments else _sqlite_articles(filters)
    else:
        raise ValueError(f"unsupported database {conn.dialect.name!r}: use PostgreSQL or SQLite")
    statement = sa.text(sql)
    if since is not None:
        # Stored as UTC text on SQLite: the bind converts like the column type does.
        statement = statement.bindparams(sa.bindparam("since", type_=UTCDateTime))
    statement = statement.columns(at=UTCDateTime)
    rows = conn.execute(statement, params).mappings().all()
    return [_hit(row, highlight[0]) for row in rows]


def _tsquery() -> str:
    return f"websearch_to_tsquery('{SEARCH_CONFIG}', :query)"


def _headline_options(highlight: tuple[str, str]) -> str:
    # ts_headline's option values may be double-quoted; the markers are ours, not input.
    start, stop = (marker.replace('"', "") for marker in highlight)
    return (
        f'StartSel="{start}", StopSel="{stop}", MaxWords={SNIPPET_WORDS}, '
        f'MinWords={SNIPPET_WORDS // 2}, MaxFragments=2, FragmentDelimiter=" {ELLIPSIS} "'
    )


def _where(filters: Sequence[str]) -> str:
    return "".join(f" AND {f}" for f in filters)


def _postgres_articles(filters: Sequence[str]) -> str:
    return f"""
SELECT a.published_at AS at, a.title, a.section, a.url, top.rank,
       ts_headline('{SEARCH_CONFIG}', concat_ws(E'\\n\\n', a.lead, a.body), top.q,
                   :options) AS snippet,
       NULL AS lead_snippet, NULL AS comment_id, NULL AS author
FROM (
    SELECT a.id, ts_rank(a.search_vector, q) AS rank, q
    FROM articles a, {_tsquery()} AS q
    WHERE a.search_vector @@ q{_where(filters)}
    ORDER BY rank DESC, a.published_at DESC NULLS LAST, a.id DESC
    LIMIT :limit
) AS top
JOIN articles a ON a.id = top.id
ORDER BY top.rank DESC, a.published_at DESC NULLS LAST, a.id DESC
"""


def _postgres_comments(filters: Sequence[str]) -> str:
    return f"""
SELECT c.posted_at AS at, a.title, a.section, a.url, top.rank,
       ts_headline('{SEARCH_CONFIG}', c.text, top.q, :options) AS snippet,
       NULL AS lead_snippet, c.comment_id, c.author
FROM (
    SELECT c.id, ts_rank(c.search_vector, q) AS rank, q
    FROM comments c JOIN articles a ON a.id = c.article_id, {_tsquery()} AS q
    WHERE c.search_vector @@ q{_where(filters)}
    ORDER BY rank DESC, c.posted_at DESC NULLS LAST, c.id DESC
    LIMIT :limit
) AS top
JOIN comments c ON c.id = top.id
JOIN articles a ON a.id = c.article_id
ORDER BY top.rank DESC, c.posted_at DESC NULLS LAST, c.id DESC
"""


def _sqlite_articles(filters: Sequence[str]) -> str:
    fts = FTS_TABLES["articles"]
    weights = ", ".join(str(w) for w in BM25_WEIGHTS)
    # snippet() works on one column: the lead's and the body's are both asked for, and
    # the one that shows a match is kept (_hit).
    return f"""
SELECT a.published_at AS at, a.title, a.section, a.url, -bm25({fts}, {weights}) AS rank,
       snippet({fts}, 2, :start, :stop, :ellipsis, :words) AS snippet,
       snippet({fts}, 1, :start, :stop, :ellipsis, :words) AS lead_snippet,
       NULL AS comment_id, NULL AS author
FROM {fts} JOIN articles a ON a.id = {fts}.rowid
WHERE {fts} MATCH :query{_where(filters)}
ORDER BY rank DESC, a.published_at DESC, a.id DESC
LIMIT :limit
"""


def _sqlite_comments(filters: Sequence[str]) -> str:
    fts = FTS_TABLES["comments"]
    return f"""
SELECT c.posted_at AS at, a.title, a.section, a.url, -bm25({fts}) AS rank,
       snippet({fts}, 0, :start, :stop, :ellipsis, :words) AS snippet,
       NULL AS lead_snippet, c.comment_id, c.author
FROM {fts} JOIN comments c ON c.id = {fts}.rowid JOIN articles a ON a.id = c.article_id
WHERE {fts} MATCH :query{_where(filters)}
ORDER BY rank DESC, c.posted_at DESC, c.id DESC
LIMIT :limit
"""


def _hit(row: Any, start: str) -> SearchHit:
    snippet = row["snippet"] or ""
    lead = row["lead_snippet"] or ""
    if start not in snippet and start in lead:
        snippet = lead
    return SearchHit(
        at=row["at"],
        title=row["title"],
        section=row["section"],
        url=row["url"],
        snippet=" ".join(snippet.split()),
        rank=float(row["rank"]),
        comment_id=row["comment_id"],
        author=row["author"],
    )
