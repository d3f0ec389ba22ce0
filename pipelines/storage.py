"""Write cleaned articles, their comments and rejected pages to the database.

Plain SQLAlchemy Core, usable without Scrapy (``pipelines.store`` is the Scrapy side)::

    with Storage("postgresql+psycopg://crawler@db/news") as storage:
        storage.upgrade()
        result = storage.write_articles(items)

Re-writing what is already stored changes nothing but ``last_seen_at``: articles are keyed
on their identity, comments on the site's comment id, URLs on themselves, and every row is
compared with what is stored before anything is written, which is also how the result
tells new, updated and unchanged articles apart.
"""

from __future__ import annotations

import hashlib
import logging
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from crawler.incremental import KnownArticle, RejectedPage
from crawler.items import ArticleItem, RejectedPageItem
from pipelines import nearduplicates as nd
from pipelines.dedupe import article_identity
from schemas import migrate
from schemas import tables as t
from schemas.engine import (
    DatabaseUnavailableError,
    check_connection,
    create_engine,
    display_url,
    error_text,
)

logger = logging.getLogger(__name__)

#: Comment fields where a missing value on a re-crawl means "not seen this time", not
#: "gone": the stored value is kept. ``duplicate_of`` in particular can only be computed
#: when the first copy is in the same crawl.
_COMMENT_STICKY = ("parent_id", "posted_at", "duplicate_of", "duplicate_kind")
_COMMENT_FIELDS = ("author", "text", *_COMMENT_STICKY)


def content_hash(title: str | None, lead: str | None, body: str | None) -> str:
    """sha256 (hex) of the title, lead and body, normalized so only real edits change it.

    Unicode NFC and collapsed whitespace, so re-encoding or re-wrapping the same text keeps
    the hash; the fields are kept apart by a separator so text moving from the lead into the
    body still counts as a change.
    """
    parts = [
        " ".join(unicodedata.normalize("NFC", part or "").split()) for part in (title, lead, body)
    ]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


@dataclass
class FailedArticle:
    """An article that could not be stored, even in a transaction of its own."""

    identity: str
    url: str
    #: The database's (or the item's) error, without statement parameters or password.
    error: str


@dataclass
class WriteResult:
    """What one ``write_articles`` call did."""

    articles_new: int = 0
    #: Articles whose stored fields, content hash, authors or tags changed.
    articles_updated: int = 0
    articles_unchanged: int = 0
    comments_new: int = 0
    #: Stored comments whose text, author, parent, time or duplicate mark changed.
    comments_updated: int = 0
    aliases_new: int = 0
    #: Articles whose page answered 304 Not Modified (counted as unchanged too).
    articles_not_modified: int = 0
    #: Edits stored as a new version (title, lead or body changed); version 1 of a new
    #: article is not counted here.
    versions_new: int = 0
    #: Articles linked to an earlier near-copy (``duplicate_of``) by this write.
    near_duplicates: int = 0
    #: New comments flagged as near repeats of an earlier comment by the same author.
    comments_near_repeats: int = 0
    failures: list[FailedArticle] = field(default_factory=list)
    #: Rejected pages written by a spool replay (``pipelines.spool.replay``).
    rejected_replayed: int = 0

    @property
    def failed(self) -> int:
        return len(self.failures)

    def add(self, other: WriteResult) -> None:
        self.articles_new += other.articles_new
        self.articles_updated += other.articles_updated
        self.articles_unchanged += other.articles_unchanged
        self.comments_new += other.comments_new
        self.comments_updated += other.comments_updated
        self.aliases_new += other.aliases_new
        self.articles_not_modified += other.articles_not_modified
        self.versions_new += other.versions_new
        self.near_duplicates += other.near_duplicates
        self.comments_near_repeats += other.comments_near_repeats
        self.failures.extend(other.failures)

    def counts(self) -> dict[str, int]:
        """The counters by name (``failed`` included), e.g. for crawl stats."""
        return {
            "articles_new": self.articles_new,
            "articles_updated": self.articles_updated,
            "articles_unchanged": self.articles_unchanged,
            "comments_new": self.comments_new,
            "comments_updated": self.comments_updated,
            "aliases_new": self.aliases_new,
            "articles_not_modified": self.articles_not_modified,
            "versions_new": self.versions_new,
            "near_duplicates": self.near_duplicates,
            "comments_near_repeats": self.comments_near_repeats,
            "failed": self.failed,
        }


def _unique(values: Iterable[str | None]) -> list[str]:
    """Non-empty values, first occurrence kept, in order."""
    return list(dict.fromkeys(v for v in values if v))


def _article_values(item: ArticleItem) -> dict[str, Any]:
    """The article's column values that a re-crawl may update (everything but the keys)."""
    image = item.image or {}
    return {
        "article_id": item.article_id,
        "canonical_url": item.canonical_url,
        "section": item.section,
        "title": item.title,
        "lead": item.lead,
        "body": item.body,
        "body_blocks": item.body_blocks,
        "co_credit": item.co_credit,
        "published_at": item.published_at,
        "modified_at": item.modified_at,
        "reading_time_minutes": item.reading_time_minutes,
        "keywords": item.keywords,
        "image_url": image.get("url"),
        "image_caption": image.get("caption"),
        "image_credit": image.get("credit"),
        "related_urls": item.related_urls,
        "language": item.language,
        "extraction": item.extraction,
        "content_hash": content_hash(item.title, item.lead, item.body),
    }


def _validator_values(item: ArticleItem) -> dict[str, Any]:
    """What the next run compares against; kept when a response did not carry it."""
    values = {
        "etag": item.etag,
        "http_last_modified": item.http_last_modified,
    }
    return {name: value for name, value in values.items() if value is not None}


class Storage:
    """The crawler's database: migrations and batched, idempotent writes."""

    def __init__(
        self,
        url: str | sa.URL,
        *,
        near_duplicate_threshold: float = nd.DEFAULT_THRESHOLD,
        near_duplicate_window: timedelta = timedelta(days=3),
        **engine_kwargs: Any,
    ) -> None:
        """``near_duplicate_threshold``: estimated Jaccard similarity of the texts' word
        3-grams from which an article counts as a copy of an earlier one;
        ``near_duplicate_window``: how far apart in publication time copies are looked
        for (wire copies go out within hours of each other)."""
        self.near_duplicate_threshold = near_duplicate_threshold
        self.near_duplicate_window = near_duplicate_window
        self.engine = create_engine(url, **engine_kwargs)
        backend = self.engine.dialect.name
        if backend == "postgresql":
            self._insert = postgresql.insert
        elif backend == "sqlite":
            self._insert = sqlite.insert
        else:
            self.engine.dispose()
            raise ValueError(f"unsupported database {backend!r}: use PostgreSQL or SQLite")

    @classmethod
    def from_url(cls, url: str | sa.URL, **engine_kwargs: Any) -> Storage:
        return cls(url, **engine_kwargs)

    @property
    def display_url(self) -> str:
        """The database URL with the password hidden."""
        return display_url(self.engine)

    def check_connection(self) -> None:
        """Raise ``schemas.engine.DatabaseUnavailableError`` unless the database answers."""
        check_connection(self.engine)

    def upgrade(self, revision: str = "head") -> None:
        """Apply the migrations (see ``schemas.migrate``)."""
        migrate.upgrade(self.engine, revision)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Storage:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- state for incremental runs ---------------------------------------------------

    def known_articles(self, identities: Iterable[str]) -> dict[str, KnownArticle]:
        """What is stored about these articles (by identity), for deciding what to fetch."""
        wanted = list(dict.fromkeys(identities))
        if not wanted:
            return {}
        a = t.articles
        query = sa.select(
            a.c.identity, a.c.published_at, a.c.modified_at, a.c.last_seen_at,
            a.c.etag, a.c.http_last_modified,
        ).where(a.c.identity.in_(wanted))  # fmt: skip
        with self.engine.connect() as conn:
            return {row.identity: KnownArticle(**row._mapping) for row in conn.execute(query)}

    def known_urls(self, urls: Iterable[str]) -> set[str]:
        """Those of ``urls`` already stored as an article's URL or alias."""
        wanted = list(dict.fromkeys(urls))
        if not wanted:
            return set()
        with self.engine.connect() as conn:
            return _stored_urls(conn, wanted)

    def rejected_pages(self, urls: Iterable[str]) -> dict[str, RejectedPage]:
        """When each of these URLs was last refused, for those that were."""
        wanted = list(dict.fromkeys(urls))
        if not wanted:
            return {}
        r = t.rejected_pages
        query = sa.select(r.c.url, r.c.rejected_at, r.c.reason).where(r.c.url.in_(wanted))
        with self.engine.connect() as conn:
            return {row.url: RejectedPage(**row._mapping) for row in conn.execute(query)}

    # --- articles --------------------------------------------------------------------

    def write_articles(
        self,
        items: Sequence[ArticleItem],
        *,
        now: datetime | None = None,
        run_id: int | None = None,
    ) -> WriteResult:
        """Store a batch of cleaned articles with their authors, tags, URLs and comments.

        The batch is one transaction. If it fails, each article is retried in a transaction
        of its own, so one bad article costs only itself; an article that fails alone is
        reported in ``failures`` and nothing of it is left in the database.
        ``now`` (aware) is the time recorded as first/last seen; default: the current time.
        ``run_id`` (a ``crawl_runs`` id) is recorded on what this write stores first.
        """
        if not items:
            return WriteResult()
        now = now or datetime.now(UTC)
        try:
            with self.engine.begin() as conn:
                result = WriteResult()
                for item in items:
                    self._write_article(conn, item, now, run_id, result)
            return result
        except Exception as exc:
            # A database that went away is not the items' fault: the caller keeps them.
            self._raise_if_unavailable(exc)
            # Anything else, not only database errors: a malformed item (a naive date, a
            # comment without id) must not cost the rest of the batch either.
            if len(items) == 1:
                return WriteResult(failures=[self._failure(items[0], exc)])
            logger.warning(
                "Storing a batch of %d articles failed (%s); storing them one by one",
                len(items),
                error_text(exc, self.engine),
            )
        result = WriteResult()
        for item in items:
            single = WriteResult()
            try:
                with self.engine.begin() as conn:
                    self._write_article(conn, item, now, run_id, single)
            except Exception as exc:
                self._raise_if_unavailable(exc)
                result.failures.append(self._failure(item, exc))
            else:
                result.add(single)
        return result

    def _raise_if_unavailable(self, exc: BaseException) -> None:
        """Raise ``DatabaseUnavailableError`` if ``exc`` came from a database now gone."""
        if isinstance(exc, DatabaseUnavailableError):
            raise exc
        if not isinstance(exc, sa.exc.DBAPIError):
            return
        try:
            check_connection(self.engine)
        except DatabaseUnavailableError as unavailable:
            raise unavailable from None

    def _failure(self, item: ArticleItem, exc: BaseException) -> FailedArticle:
        try:
            identity = article_identity(item)
        except Exception:
            identity = "?"
        return FailedArticle(
            identity=identity, url=getattr(item, "url", "?"), error=error_text(exc, self.engine)
        )

    def _write_article(
        self,
        conn: sa.Connection,
        item: ArticleItem,
        now: datetime,
        run_id: int | None,
        result: WriteResult,
    ) -> None:
        articles = t.articles
        identity = article_identity(item)
        # FOR UPDATE (PostgreSQL only; SQLite locks the whole file) keeps a concurrent
        # crawl from changing the row between this comparison and the write.
        stored = (
            conn.execute(
                sa.select(articles).where(articles.c.identity == identity).with_for_update()
            )
            .mappings()
            .first()
        )
        if item.not_modified:
            if stored is None:
                raise ValueError(f"304 Not Modified for {identity}, which is not stored")
            article_pk = stored["id"]
            conn.execute(
                sa.update(articles)
                .where(articles.c.id == article_pk)
                .values(last_seen_at=now, **_validator_values(item))
            )
            result.articles_unchanged += 1
            result.articles_not_modified += 1
        else:
            article_pk = self._write_content(conn, item, identity, stored, now, run_id, result)

        result.aliases_new += self._add_urls(
            conn, article_pk, _unique([item.url, item.canonical_url, *item.aliases])
        )
        # Stored now, so no longer a refused page.
        conn.execute(
            sa.delete(t.rejected_pages).where(
                t.rejected_pages.c.url.in_(_unique([item.url, item.canonical_url]))
            )
        )
        new, updated, near = self._write_comments(conn, article_pk, item.comments, now, run_id)
        result.comments_new += new
        result.comments_updated += updated
        result.comments_near_repeats += near

    def _write_content(
        self,
        conn: sa.Connection,
        item: ArticleItem,
        identity: str,
        stored: Any,
        now: datetime,
        run_id: int | None,
        result: WriteResult,
    ) -> int:
        """Insert or update the article row, its version, authors and tags; its key."""
        articles = t.articles
        values = _article_values(item)
        validators = _validator_values(item)
        author_names = _unique(item.authors)
        tag_names = _unique(item.tags)
        text_changed = stored is None or stored["content_hash"] != values["content_hash"]
        if text_changed:
            fingerprint = nd.fingerprint(nd.article_text(item.title, item.lead, item.body))
            values["fingerprint"] = None if nd.is_empty(fingerprint) else fingerprint

        if stored is None:
            insert = self._insert(articles).values(
                identity=identity,
                url=item.url,
                first_seen_at=now,
                last_seen_at=now,
                first_run_id=run_id,
                version=1,
                **values,
                **validators,
            )
            # The conflict branch only matters if another writer inserted meanwhile.
            insert = insert.on_conflict_do_update(
                index_elements=[articles.c.identity],
                set_={name: insert.excluded[name] for name in [*values, "last_seen_at"]},
            ).returning(articles.c.id)
            article_pk = conn.execute(insert).scalar_one()
            version = 1
            result.articles_new += 1
            authors_changed = tags_changed = True
        else:
            article_pk = stored["id"]
            version = stored["version"] + 1 if text_changed else stored["version"]
            # The stored url stays the first one seen: another address of the same article
            # is an alias, not an edit.
            changed = {name: value for name, value in values.items() if stored[name] != value}
            authors_changed = self._linked_names(conn, "authors", article_pk) != author_names
            tags_changed = self._linked_names(conn, "tags", article_pk) != tag_names
            touched = {name: v for name, v in validators.items() if stored[name] != v}
            conn.execute(
                sa.update(articles)
                .where(articles.c.id == article_pk)
                .values(last_seen_at=now, version=version, **changed, **touched)
            )
            if changed or authors_changed or tags_changed:
                result.articles_updated += 1
            else:
                result.articles_unchanged += 1

        if text_changed:
            conn.execute(
                sa.insert(t.article_versions).values(
                    article_id=article_pk,
                    version=version,
                    content_hash=values["content_hash"],
                    title=item.title,
                    lead=item.lead,
                    body=item.body,
                    modified_at=item.modified_at,
                    captured_at=now,
                    run_id=run_id,
                )
            )
            if stored is not None:
                result.versions_new += 1
            if (stored is None or stored["duplicate_of"] is None) and self._link_near_duplicate(
                conn, article_pk, values.get("fingerprint"), item.published_at
            ):
                result.near_duplicates += 1
        if authors_changed:
            self._replace_links(conn, "authors", article_pk, author_names)
        if tags_changed:
            self._replace_links(conn, "tags", article_pk, tag_names)
        return article_pk

    def _link_near_duplicate(
        self,
        conn: sa.Connection,
        article_pk: int,
        fingerprint: bytes | None,
        published_at: datetime | None,
    ) -> bool:
        """Point the article at the earlier article it is a near-copy of, if any.

        Candidates are stored articles published within the window around this one, so the
        comparison reads a few hundred fingerprints at most and nothing stays in memory.
        The link goes to the first copy of a chain, so every copy names the same original.
        """
        if fingerprint is None or not isinstance(published_at, datetime):
            return False
        articles = t.articles
        window = self.near_duplicate_window
        candidates = conn.execute(
            sa.select(articles.c.id, articles.c.duplicate_of, articles.c.fingerprint)
            .where(
                articles.c.id != article_pk,
                articles.c.fingerprint.is_not(None),
                articles.c.published_at.between(published_at - window, published_at + window),
            )
            .order_by(articles.c.id)
        ).all()
        best: tuple[float, int] | None = None
        for candidate in candidates:
            try:
                score = nd.similarity(fingerprint, candidate.fingerprint)
            except ValueError:
                continue  # made by another fingerprint recipe: not comparable
            if score >= self.near_duplicate_threshold and (best is None or score > best[0]):
                best = (score, candidate.duplicate_of or candidate.id)
        if best is None:
            return False
        conn.execute(
            sa.update(articles)
            .where(articles.c.id == article_pk)
            .values(duplicate_of=best[1], duplicate_similarity=round(best[0], 4))
        )
        return True

    # Authors and tags share one shape: a name table and an ordered link table.
    _LINKS = {
        "authors": (t.authors, t.article_authors, "author_id"),
        "tags": (t.tags, t.article_tags, "tag_id"),
    }

    def _linked_names(self, conn: sa.Connection, kind: str, article_pk: int) -> list[str]:
        names, links, key = self._LINKS[kind]
        query = (
            sa.select(names.c.name)
            .join(links, links.c[key] == names.c.id)
            .where(links.c.article_id == article_pk)
            .order_by(links.c.position)
        )
        return list(conn.scalars(query))

    def _replace_links(
        self, conn: sa.Connection, kind: str, article_pk: int, wanted: list[str]
    ) -> None:
        names, links, key = self._LINKS[kind]
        conn.execute(sa.delete(links).where(links.c.article_id == article_pk))
        if not wanted:
            return
        conn.execute(
            self._insert(names)
            .values([{"name": name} for name in wanted])
            .on_conflict_do_nothing(index_elements=[names.c.name])
        )
        ids = dict(
            conn.execute(sa.select(names.c.name, names.c.id).where(names.c.name.in_(wanted))).all()
        )
        conn.execute(
            sa.insert(links),
            [
                {"article_id": article_pk, key: ids[name], "position": position}
                for position, name in enumerate(wanted)
            ],
        )

    def _add_urls(self, conn: sa.Connection, article_pk: int, urls: list[str]) -> int:
        urls_table = t.article_urls
        known = _stored_urls(conn, urls)
        # A URL already stored under another article stays there: the first owner wins.
        new = [url for url in urls if url not in known]
        if new:
            conn.execute(
                self._insert(urls_table).on_conflict_do_nothing(index_elements=[urls_table.c.url]),
                [{"url": url, "article_id": article_pk} for url in new],
            )
        return len(new)

    def _write_comments(
        self,
        conn: sa.Connection,
        article_pk: int,
        comments: Iterable[dict[str, Any]],
        now: datetime,
        run_id: int | None,
    ) -> tuple[int, int, int]:
        """Insert new comments, update changed ones, touch the rest.

        Returns (new, updated, new near repeats).
        """
        table = t.comments
        by_id: dict[str, dict[str, Any]] = {}
        for comment in comments:
            by_id.setdefault(comment["comment_id"], comment)
        if not by_id:
            return 0, 0, 0
        stored = {
            row.comment_id: row
            for row in conn.execute(
                sa.select(
                    table.c.id, table.c.comment_id, *(table.c[f] for f in _COMMENT_FIELDS)
                ).where(table.c.comment_id.in_(list(by_id)))
            )
        }
        inserts: list[dict[str, Any]] = []
        unchanged: list[int] = []
        updated = 0
        for comment_id, comment in by_id.items():
            values = {name: comment.get(name) for name in _COMMENT_FIELDS}
            if values["duplicate_of"] and not values["duplicate_kind"]:
                values["duplicate_kind"] = "exact"
            row = stored.get(comment_id)
            if row is None:
                inserts.append(
                    {
                        "comment_id": comment_id,
                        "article_id": article_pk,
                        "first_seen_at": now,
                        "last_seen_at": now,
                        "first_run_id": run_id,
                        **values,
                    }
                )
                continue
            # The comment stays with the article it was first stored under.
            changed = {
                name: value
                for name, value in values.items()
                if getattr(row, name) != value and not (value is None and name in _COMMENT_STICKY)
            }
            if changed:
                conn.execute(
                    sa.update(table).where(table.c.id == row.id).values(last_seen_at=now, **changed)
                )
                updated += 1
            else:
                unchanged.append(row.id)
        if unchanged:
            conn.execute(sa.update(table).where(table.c.id.in_(unchanged)).values(last_seen_at=now))
        near = self._flag_near_repeats(conn, article_pk, inserts)
        if inserts:
            conn.execute(
                self._insert(table).on_conflict_do_nothing(index_elements=[table.c.comment_id]),
                inserts,
            )
        return len(inserts), updated, near

    def _flag_near_repeats(
        self, conn: sa.Connection, article_pk: int, new: list[dict[str, Any]]
    ) -> int:
        """Mark new comments that repeat, with small changes, an earlier comment by the
        same author on the same article (stored before or new in this write)."""
        authors = {c["author"] for c in new if c.get("author") and not c.get("duplicate_of")}
        if not authors:
            return 0
        table = t.comments
        earlier = [
            dict(row._mapping)
            for row in conn.execute(
                sa.select(table.c.comment_id, table.c.author, table.c.text)
                .where(table.c.article_id == article_pk, table.c.author.in_(authors))
                .order_by(table.c.posted_at, table.c.id)
            )
        ]
        # Oldest first, so the first copy is the original. Comments without a time sort
        # last: they cannot claim to be the original.
        ordered = sorted(
            new, key=lambda c: (c.get("posted_at") is None, c.get("posted_at") or datetime.min)
        )
        repeats = nd.near_duplicate_comments([*earlier, *ordered])
        # An exact repeat already names its original; that original is not a repeat too.
        originals = {c["duplicate_of"] for c in new if c.get("duplicate_of")}
        flagged = 0
        for comment in new:
            original = repeats.get(comment["comment_id"])
            if (
                original
                and not comment.get("duplicate_of")
                and comment["comment_id"] not in originals
            ):
                comment["duplicate_of"] = original
                comment["duplicate_kind"] = "near"
                flagged += 1
        return flagged

    # --- rejected pages --------------------------------------------------------------

    def write_rejected(
        self,
        items: Sequence[RejectedPageItem],
        *,
        now: datetime | None = None,
        run_id: int | None = None,
    ) -> int:
        """Record refused pages, one row per URL; returns how many items were recorded.

        A page refused again gets its latest reason and time and a higher count, so a
        re-crawl meeting the same broken pages adds no rows.
        """
        if not items:
            return 0
        now = now or datetime.now(UTC)
        latest: dict[str, RejectedPageItem] = {}
        for item in items:
            latest[item.url] = item
        table = t.rejected_pages
        rows = [
            {
                "url": item.url,
                "reason": item.reason,
                "detail": item.detail,
                "http_status": item.http_status,
                "first_rejected_at": now,
                "rejected_at": now,
                "times_rejected": 1,
                "run_id": run_id,
            }
            for item in latest.values()
        ]
        insert = self._insert(table)
        upsert = insert.on_conflict_do_update(
            index_elements=[table.c.url],
            set_={
                "reason": insert.excluded.reason,
                "detail": insert.excluded.detail,
                "http_status": insert.excluded.http_status,
                "rejected_at": insert.excluded.rejected_at,
                "times_rejected": table.c.times_rejected + 1,
                "run_id": insert.excluded.run_id,
            },
        )
        try:
            with self.engine.begin() as conn:
                conn.execute(upsert, rows)
        except Exception as exc:
            self._raise_if_unavailable(exc)
            raise
        return len(items)


def _stored_urls(conn: sa.Connection, urls: list[str]) -> set[str]:
    """Those of ``urls`` that ``article_urls`` holds (under any article)."""
    u = t.article_urls
    return set(conn.scalars(sa.select(u.c.url).where(u.c.url.in_(urls))))
