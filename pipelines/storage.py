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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from crawler.incremental import KnownArticle, RejectedPage
from crawler.items import ArticleItem, RejectedPageItem
from crawler.outcomes import job_name
from crawler.parsing.text import dedupe
from pipelines import nearduplicates as nd
from pipelines import runs
from pipelines.counters import COUNTERS
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

#: Articles written per transaction unless told otherwise (``STORE_BATCH_SIZE``). Batches
#: of 50 stored about 20% more comment rows per second than batches of 25 (fewer
#: statements and commits for the same rows; ``benchmarks.storage_bench``), for a peak RSS
#: within a few MB of it in a crawl of 2,000 articles.
BATCH_SIZE = 50

#: Comment fields where a missing value on a re-crawl means "not seen this time", not
#: "gone": the stored value is kept.
_COMMENT_STICKY = ("parent_id", "posted_at")
_COMMENT_FIELDS = ("author", "text", *_COMMENT_STICKY)
#: The columns of a new comment row, in the order ``Storage._write_comments`` gives them.
_COMMENT_COLUMNS = (
    "site", "comment_id", "article_id", "first_seen_at", "last_seen_at", "first_run_id",
    "author", "text", "parent_id", "posted_at", "duplicate_of", "duplicate_kind",
)  # fmt: skip
#: Their PostgreSQL types, for the binary COPY (a tenth of the text format's Python time:
#: no timestamps written out as text).
_COMMENT_COPY_TYPES = (
    "text", "text", "int8", "timestamptz", "timestamptz", "int8",
    "text", "text", "text", "timestamptz", "text", "text",
)  # fmt: skip
_UTC_DATETIME = t.UTCDateTime()
_POSTGRESQL = postgresql.dialect()
#: Article columns a conflicting insert (another writer got there first) leaves alone.
_INSERT_ONLY = frozenset(
    {"identity", "url", "first_seen_at", "first_run_id", "version", "etag", "http_last_modified"}
)


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
    #: Articles this write linked (``duplicate_of``) to the original they are a near-copy
    #: of; an original stored after its copy links that copy, so the count is the same in
    #: either order.
    near_duplicates: int = 0
    #: Comments this write marked as near repeats of an earlier posting by the same author.
    comments_near_repeats: int = 0
    failures: list[FailedArticle] = field(default_factory=list)
    #: Rejected pages written by a spool replay (``pipelines.spool.replay``).
    rejected_replayed: int = 0
    #: Runs' ends written to ``crawl_runs`` by a spool replay.
    runs_ended: int = 0

    @property
    def failed(self) -> int:
        return len(self.failures)

    def add(self, other: WriteResult) -> None:
        for name in COUNTERS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.failures.extend(other.failures)

    def counts(self) -> dict[str, int]:
        """The counters by name (``failed`` included), e.g. for crawl stats."""
        return {**{name: getattr(self, name) for name in COUNTERS}, "failed": self.failed}


def _article_values(item: ArticleItem) -> dict[str, Any]:
    """The article's column values that a re-crawl may update (everything but the keys)."""
    image = item.image or {}
    return {
        "site": item.site,
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
        self._upserts: dict[tuple[str, ...], Any] = {}
        backend = self.engine.dialect.name
        if backend == "postgresql":
            self._insert = postgresql.insert
        elif backend == "sqlite":
            self._insert = sqlite.insert
        else:
            self.engine.dispose()
            raise ValueError(f"unsupported database {backend!r}: use PostgreSQL or SQLite")

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

    def finish_run(self, run_id: int, stats: Mapping[str, Any], finished_at: datetime) -> str:
        """Write a run's end (``pipelines.runs.finish_run``) and return its status; raises
        ``DatabaseUnavailableError`` when the database is gone."""
        try:
            return runs.finish_run(self.engine, run_id, stats, finished_at)
        except Exception as exc:
            self._raise_if_unavailable(exc)
            raise

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

    def last_sitemap_walk(self, spider: str, arguments: Mapping[str, Any]) -> datetime | None:
        """When the job's last run that read all its sitemaps started
        (``pipelines.runs.last_sitemap_walk``), which ``crawler.sitemaps`` compares the
        ``lastmod`` of index entries with."""
        return runs.last_sitemap_walk(self.engine, job_name(spider, arguments))

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
                self._lock_writes(conn)
                result = WriteResult()
                self._write_items(conn, items, now, run_id, result)
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
                    self._lock_writes(conn)
                    self._write_items(conn, [item], now, run_id, single)
            except Exception as exc:
                self._raise_if_unavailable(exc)
                result.failures.append(self._failure(item, exc))
            else:
                result.add(single)
        return result

    def _lock_writes(self, conn: sa.Connection) -> None:
        """Wait for this database's write lock, held until the transaction ends (taken by
        every write transaction, first thing).

        Whether an article is the original or a copy, a comment the first posting or a
        repeat, is decided against what is stored: two crawls writing at once would each
        miss the other's uncommitted rows. So article writes into one database take turns
        (PostgreSQL: a transaction-level advisory lock, taken before any row lock, so it
        cannot deadlock; SQLite lets one writer in at a time anyway). A batch takes
        milliseconds, so a concurrent crawl waits that long.
        """
        if self.engine.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": self._write_key})

    @property
    def _write_key(self) -> int:
        # Advisory locks are per server: the database name keeps two databases apart.
        scope = f"{self.engine.url.database}\x1fwrites".encode()
        return int.from_bytes(hashlib.sha256(scope).digest()[:8], "big", signed=True)

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

    def _write_items(
        self,
        conn: sa.Connection,
        items: Sequence[ArticleItem],
        now: datetime,
        run_id: int | None,
        result: WriteResult,
    ) -> None:
        """Write articles in order, in groups written together (a few statements per group,
        not per article): a group never holds one article twice, nor one comment id under
        two articles, so writing it at once stores what writing its articles one after
        the other would."""
        for group in _groups(items):
            self._write_group(conn, group, now, run_id, result)

    def _write_group(
        self,
        conn: sa.Connection,
        items: list[tuple[str, ArticleItem]],
        now: datetime,
        run_id: int | None,
        result: WriteResult,
    ) -> None:
        articles = t.articles
        # FOR UPDATE (PostgreSQL only; SQLite locks the whole file) keeps a concurrent
        # crawl from changing the rows between this comparison and the write.
        stored_rows = {
            row["identity"]: row
            for row in conn.execute(
                sa.select(articles)
                .where(self._among(articles.c.identity, [identity for identity, _ in items]))
                .with_for_update()
            ).mappings()
        }
        linked = self._linked_names_of(
            conn, [row["id"] for row in stored_rows.values()]
        )
        pks: list[int] = []
        new_rows: list[dict[str, Any]] = []
        new_positions: list[int] = []
        versions: list[tuple[int, dict[str, Any]]] = []
        #: (position, fingerprint, published_at) of articles whose text changed.
        fingerprints: list[tuple[int, bytes, datetime]] = []
        relinks: dict[str, list[tuple[int, list[str]]]] = {"authors": [], "tags": []}
        for position, (identity, item) in enumerate(items):
            stored = stored_rows.get(identity)
            if item.not_modified:
                if stored is None:
                    raise ValueError(f"304 Not Modified for {identity}, which is not stored")
                pks.append(stored["id"])
                conn.execute(
                    sa.update(articles)
                    .where(articles.c.id == stored["id"])
                    .values(last_seen_at=now, **_validator_values(item))
                )
                result.articles_unchanged += 1
                result.articles_not_modified += 1
                continue
            values = _article_values(item)
            author_names = dedupe(item.authors)
            tag_names = dedupe(item.tags)
            text_changed = stored is None or stored["content_hash"] != values["content_hash"]
            if text_changed:
                fingerprint = nd.fingerprint(nd.article_text(item.title, item.lead, item.body))
                values["fingerprint"] = None if nd.is_empty(fingerprint) else fingerprint
            if stored is None:
                new_positions.append(position)
                new_rows.append(
                    {
                        "identity": identity,
                        "url": item.url,
                        "first_seen_at": now,
                        "last_seen_at": now,
                        "first_run_id": run_id,
                        "version": 1,
                        **values,
                        "etag": item.etag,
                        "http_last_modified": item.http_last_modified,
                    }
                )
                pks.append(0)  # known once the group's new rows are inserted
                version = 1
                result.articles_new += 1
                authors_changed = tags_changed = True
            else:
                article_pk = stored["id"]
                pks.append(article_pk)
                version = stored["version"] + 1 if text_changed else stored["version"]
                # The stored url stays the first one seen: another address of the same
                # article is an alias, not an edit.
                changed = {name: value for name, value in values.items() if stored[name] != value}
                # A page read without its byline or tags (a layout the parser lost track of)
                # does not erase what an earlier read stored: only a new list replaces it.
                authors_changed = bool(author_names) and (
                    linked["authors"].get(article_pk, []) != author_names
                )
                tags_changed = bool(tag_names) and linked["tags"].get(article_pk, []) != tag_names
                touched = {
                    name: v for name, v in _validator_values(item).items() if stored[name] != v
                }
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
                versions.append(
                    (
                        position,
                        {
                            "version": version,
                            "content_hash": values["content_hash"],
                            "title": item.title,
                            "lead": item.lead,
                            "body": item.body,
                            "modified_at": item.modified_at,
                            "captured_at": now,
                            "run_id": run_id,
                        },
                    )
                )
                if stored is not None:
                    result.versions_new += 1
                if values.get("fingerprint") is not None and isinstance(
                    item.published_at, datetime
                ):
                    fingerprints.append((position, values["fingerprint"], item.published_at))
            if authors_changed:
                relinks["authors"].append((position, author_names))
            if tags_changed:
                relinks["tags"].append((position, tag_names))

        if new_rows:
            insert = self._article_upsert(tuple(new_rows[0]))
            for position, article_pk in zip(
                new_positions, conn.execute(insert, new_rows).scalars(), strict=True
            ):
                pks[position] = article_pk
        if versions:
            self._insert_rows(
                conn,
                t.article_versions,
                [{"article_id": pks[position], **row} for position, row in versions],
            )
        result.near_duplicates += self._link_near_duplicates(
            conn, [(pks[position], fp, published) for position, fp, published in fingerprints]
        )
        for kind, wanted in relinks.items():
            self._replace_links(conn, kind, [(pks[position], names) for position, names in wanted])
        item_urls = [
            dedupe([item.url, item.canonical_url, *item.aliases]) for _, item in items
        ]
        result.aliases_new += self._add_urls(conn, list(zip(pks, item_urls, strict=True)))
        # Stored now, so no longer refused pages.
        refused = dedupe(url for _, item in items for url in (item.url, item.canonical_url))
        conn.execute(
            sa.delete(t.rejected_pages).where(self._among(t.rejected_pages.c.url, refused))
        )
        new, updated, near = self._write_comments(
            conn,
            [(pk, item.site, item.comments) for pk, (_, item) in zip(pks, items, strict=True)],
            now, run_id,
        )  # fmt: skip
        result.comments_new += new
        result.comments_updated += updated
        result.comments_near_repeats += near

    def _article_upsert(self, names: tuple[str, ...]) -> Any:
        """The insert of new article rows with these columns, returning their keys in
        order (built once: its ``excluded`` set alone costs more than executing it)."""
        if names not in self._upserts:
            articles = t.articles
            insert = self._insert(articles)
            # The conflict branch only matters if another writer inserted meanwhile.
            self._upserts[names] = insert.on_conflict_do_update(
                index_elements=[articles.c.identity],
                set_={name: insert.excluded[name] for name in names if name not in _INSERT_ONLY},
            ).returning(articles.c.id, sort_by_parameter_order=True)
        return self._upserts[names]

    def _link_near_duplicates(
        self, conn: sa.Connection, articles_: list[tuple[int, bytes, datetime]]
    ) -> int:
        """Join each of these articles (key, fingerprint, publication time) to the group of
        wire copies it belongs to; how many articles this newly linked to an original.

        Candidates are stored articles published within the window around an article, read
        once for the whole group (a few hundred fingerprints, compared at numpy speed) and
        nothing stays in memory after. The article, every group a candidate above the
        threshold belongs to, and the group the article was already in become one group
        whose original is its earliest publication (ties: the lower site id, then the
        identity); every other member points at it, with its estimated similarity to it.
        So the links are the same whatever order the articles are stored in: an original
        stored after its copies takes their links over. The caller holds the write lock
        (``_lock_writes``), so no concurrent write sees a group half re-pointed.
        """
        if not articles_:
            return 0
        articles = t.articles
        window = self.near_duplicate_window
        times = [published for _, _, published in articles_]
        candidates = conn.execute(
            sa.select(articles.c.id, articles.c.published_at, articles.c.fingerprint).where(
                articles.c.fingerprint.is_not(None),
                articles.c.published_at.between(min(times) - window, max(times) + window),
            )
        ).all()
        compared = nd.FingerprintSet(row.fingerprint for row in candidates)
        linked = 0
        for article_pk, fingerprint, published in articles_:
            low, high = published - window, published + window
            matched = [
                row.id
                for row, score in zip(candidates, compared.scores(fingerprint), strict=True)
                if score is not None
                and score >= self.near_duplicate_threshold
                and row.id != article_pk
                and low <= row.published_at <= high
            ]
            if matched:
                linked += self._join_copies(conn, article_pk, matched)
        return linked

    def _join_copies(self, conn: sa.Connection, article_pk: int, matched: list[int]) -> int:
        """Make ``article_pk``, the groups of the ``matched`` articles and its own group one
        group under its earliest publication; how many articles this newly linked."""
        articles = t.articles
        roots = {
            row.duplicate_of or row.id
            for row in conn.execute(
                sa.select(articles.c.id, articles.c.duplicate_of).where(articles.c.id.in_(matched))
            )
        }
        current = conn.scalar(
            sa.select(articles.c.duplicate_of).where(articles.c.id == article_pk)
        )
        roots.update([article_pk] + ([current] if current is not None else []))
        members = conn.execute(
            sa.select(
                articles.c.id, articles.c.duplicate_of, articles.c.duplicate_similarity,
                articles.c.published_at, articles.c.article_id, articles.c.identity,
                articles.c.fingerprint,
            )
            .where(sa.or_(articles.c.id.in_(roots), articles.c.duplicate_of.in_(roots)))
            .with_for_update()
        ).all()  # fmt: skip
        original = min(members, key=_publication_order)
        linked = 0
        for member in members:
            if member.id == original.id:
                target, score = None, None
            else:
                target, score = original.id, _similarity(member.fingerprint, original.fingerprint)
            if (member.duplicate_of, member.duplicate_similarity) == (target, score):
                continue
            conn.execute(
                sa.update(articles)
                .where(articles.c.id == member.id)
                .values(duplicate_of=target, duplicate_similarity=score)
            )
            if member.duplicate_of is None:
                linked += 1
        return linked

    # Authors and tags share one shape: a name table and an ordered link table.
    _LINKS = {
        "authors": (t.authors, t.article_authors, "author_id"),
        "tags": (t.tags, t.article_tags, "tag_id"),
    }

    def _linked_names_of(
        self, conn: sa.Connection, article_pks: list[int]
    ) -> dict[str, dict[int, list[str]]]:
        """The author and tag names linked to each of these articles, in page order."""
        linked: dict[str, dict[int, list[str]]] = {kind: {} for kind in self._LINKS}
        if not article_pks:
            return linked
        for kind, (names, links, key) in self._LINKS.items():
            query = (
                sa.select(links.c.article_id, names.c.name)
                .join(links, links.c[key] == names.c.id)
                .where(self._among(links.c.article_id, article_pks))
                .order_by(links.c.article_id, links.c.position)
            )
            for article_pk, name in conn.execute(query):
                linked[kind].setdefault(article_pk, []).append(name)
        return linked

    def _replace_links(
        self, conn: sa.Connection, kind: str, wanted: list[tuple[int, list[str]]]
    ) -> None:
        """Link each article to these names (authors or tags), in this order."""
        if not wanted:
            return
        names, links, key = self._LINKS[kind]
        conn.execute(
            sa.delete(links).where(self._among(links.c.article_id, [pk for pk, _ in wanted]))
        )
        every = dedupe(name for _, article_names in wanted for name in article_names)
        if not every:
            return
        self._insert_rows(conn, names, [{"name": name} for name in every], conflict=names.c.name)
        ids = dict(
            conn.execute(
                sa.select(names.c.name, names.c.id).where(self._among(names.c.name, every))
            ).all()
        )
        self._insert_rows(
            conn,
            links,
            [
                {"article_id": article_pk, key: ids[name], "position": position}
                for article_pk, article_names in wanted
                for position, name in enumerate(article_names)
            ],
        )

    def _add_urls(self, conn: sa.Connection, wanted: list[tuple[int, list[str]]]) -> int:
        """Record each article's URLs; how many were new."""
        urls_table = t.article_urls
        known = _stored_urls(conn, dedupe(url for _, urls in wanted for url in urls))
        rows = []
        # A URL already stored under another article stays there: the first owner wins.
        for article_pk, urls in wanted:
            for url in urls:
                if url not in known:
                    known.add(url)
                    rows.append({"url": url, "article_id": article_pk})
        self._insert_rows(conn, urls_table, rows, conflict=urls_table.c.url)
        return len(rows)

    def _write_comments(
        self,
        conn: sa.Connection,
        threads: list[tuple[int, str, Iterable[dict[str, Any]]]],
        now: datetime,
        run_id: int | None,
    ) -> tuple[int, int, int]:
        """Insert new comments, update changed ones, touch the rest, and mark repeats, for
        each ``(article key, site, comments read this time)``. Comment ids are the site's
        own: one is unique within its site only.

        Which comment repeats which is decided here, over every comment stored for the
        article plus this write's (``nearduplicates.repeated_comments``: by posting time,
        so the first posting is the original whatever the order of pages or writes); a
        ``duplicate_of`` carried by the items is not used. A stored comment whose mark
        changes (its original was stored later) is updated too. The articles' stored
        comments are read with one query; the new ones go out as each article's are
        decided (``_comment_inserts``), and the updates follow.

        Returns (new, updated, newly marked near repeats).
        """
        table = t.comments
        wanted: list[tuple[int, str, dict[str, dict[str, Any]]]] = []
        for article_pk, site, comments in threads:
            by_id: dict[str, dict[str, Any]] = {}
            for comment in comments:
                by_id.setdefault(comment["comment_id"], comment)
            if by_id:
                wanted.append((article_pk, site, by_id))
        if not wanted:
            return 0, 0, 0
        columns = ("article_id", "site", *_COMMENT_FIELDS, "duplicate_of", "duplicate_kind")
        ids_by_site: dict[str, list[str]] = {}
        for _, site, by_id in wanted:
            ids_by_site.setdefault(site, []).extend(by_id)
        rows = conn.execute(
            sa.select(table.c.id, table.c.comment_id, *(table.c[c] for c in columns)).where(
                sa.or_(
                    table.c.article_id.in_([pk for pk, _, _ in wanted]),
                    *(
                        sa.and_(table.c.site == site, self._among(table.c.comment_id, ids))
                        for site, ids in ids_by_site.items()
                    ),
                )
            )
        ).all()
        under_article: dict[int, list[Any]] = {}
        by_key: dict[tuple[str, str], Any] = {}
        for row in rows:
            under_article.setdefault(row.article_id, []).append(row)
            by_key[row.site, row.comment_id] = row
        # Checked once here, as the column type would check each row: the same value.
        seen_at = _aware(now)
        updates: list[tuple[int, dict[str, Any]]] = []
        unchanged: list[int] = []
        inserted = near = 0
        with self._comment_inserts(conn) as insert:
            for article_pk, site, by_id in wanted:
                stored = {row.comment_id: row for row in under_article.get(article_pk, ())}
                for comment_id in by_id:
                    row = by_key.get((site, comment_id))
                    if row is not None:
                        stored[comment_id] = row
                repeats, changes = _thread_marks(article_pk, by_id, stored)
                for comment_id, comment in by_id.items():
                    if comment_id in stored:
                        continue
                    original, kind = repeats.get(comment_id, (None, None))
                    insert(
                        (
                            site, comment_id, article_pk, seen_at, seen_at, run_id,
                            comment.get("author"), comment.get("text"),
                            comment.get("parent_id"), _aware(comment.get("posted_at")),
                            original, kind,
                        )
                    )  # fmt: skip
                    inserted += 1
                    near += kind == "near"
                for comment_id, row in stored.items():
                    changed = dict(changes.get(comment_id, {}))
                    # The comment stays with the article it was first stored under, and is
                    # marked when that article's comments are written.
                    if row.article_id == article_pk:
                        mark = repeats.get(comment_id, (None, None))
                        if (row.duplicate_of, row.duplicate_kind) != mark:
                            changed.update(duplicate_of=mark[0], duplicate_kind=mark[1])
                            near += mark[1] == "near"
                    seen = comment_id in by_id
                    if changed:
                        touched = {"last_seen_at": now} if seen else {}
                        updates.append((row.id, {**touched, **changed}))
                    elif seen:
                        unchanged.append(row.id)
        for comment_pk, values in updates:
            conn.execute(sa.update(table).where(table.c.id == comment_pk).values(**values))
        if unchanged:
            conn.execute(
                sa.update(table).where(self._among(table.c.id, unchanged)).values(last_seen_at=now)
            )
        return inserted, len(updates), near

    @contextmanager
    def _comment_inserts(self, conn: sa.Connection) -> Iterator[Callable[[tuple], None]]:
        """A function taking new comment rows (``_COMMENT_COLUMNS`` in order) one at a time;
        they are all in ``comments`` when the block ends.

        On PostgreSQL they stream into ``comments`` by one COPY, opened at the first row:
        the server indexes each article's comments (the search vector's parsing most of
        it) while the next article's repeats are decided here, where writing them after
        the loop would make one wait for the other. A plain COPY has no ``ON CONFLICT``,
        and needs none: the rows were read under the write lock (``_lock_writes``), which
        every writer of comments takes, and a batch never holds one comment twice
        (``_groups``). Should another writer break that anyway, the batch fails and its
        articles are retried one by one, each reading the rows committed meanwhile.
        Elsewhere: one executemany at the end, ``ON CONFLICT DO NOTHING``.
        """
        table = t.comments
        if self.engine.dialect.name != "postgresql":
            rows: list[tuple] = []
            yield rows.append
            if rows:
                conn.execute(
                    self._insert(table).on_conflict_do_nothing(
                        index_elements=[table.c.site, table.c.comment_id]
                    ),
                    [dict(zip(_COMMENT_COLUMNS, row, strict=True)) for row in rows],
                )
            return
        raw = conn.connection.driver_connection
        with ExitStack() as stack:
            copy = None

            def write(row: tuple) -> None:
                nonlocal copy
                if copy is None:
                    cursor = stack.enter_context(raw.cursor())
                    copy = stack.enter_context(
                        cursor.copy(
                            f"COPY comments ({', '.join(_COMMENT_COLUMNS)})"
                            " FROM STDIN (FORMAT BINARY)"
                        )
                    )
                    copy.set_types(_COMMENT_COPY_TYPES)
                copy.write_row(row)

            yield write

    def _among(self, column: Any, values: list[Any]) -> Any:
        """``column IN values``; on PostgreSQL as ``= ANY(array)``, one parameter however
        many values (thousands of comment ids do not make thousands of placeholders)."""
        if self.engine.dialect.name != "postgresql":
            return column.in_(values)
        return column == sa.any_(sa.literal(values, postgresql.ARRAY(column.type)))

    def _insert_rows(
        self,
        conn: sa.Connection,
        table: sa.Table,
        rows: list[dict[str, Any]],
        conflict: Any = None,
    ) -> None:
        """Insert ``rows`` (same keys each, in order); with ``conflict`` (a unique column,
        or the list of columns of a unique constraint), not those whose value it already
        holds.

        On PostgreSQL: one ``INSERT ... SELECT FROM unnest(arrays) [ON CONFLICT DO
        NOTHING]``, an array per column, however many rows (an executemany would be a
        statement per row); elsewhere an executemany. Values go through the columns' own
        types first, so a naive datetime is refused the same way on both paths.
        """
        if not rows:
            return
        conflict_columns = conflict if isinstance(conflict, list) else [conflict]
        if self.engine.dialect.name != "postgresql":
            insert = self._insert(table)
            if conflict is not None:
                insert = insert.on_conflict_do_nothing(index_elements=conflict_columns)
            conn.execute(insert, rows)
            return
        dialect = conn.dialect
        names = list(rows[0])
        arrays = []
        for name in names:
            process = table.c[name].type.bind_processor(dialect)
            values = [row[name] for row in rows]
            arrays.append([process(value) for value in values] if process else values)
        casts = ", ".join(f"%s::{table.c[name].type.compile(dialect)}[]" for name in names)
        with conn.connection.driver_connection.cursor() as cursor:
            on_conflict = (
                f" ON CONFLICT ({', '.join(c.name for c in conflict_columns)}) DO NOTHING"
                if conflict is not None
                else ""
            )
            cursor.execute(
                f"INSERT INTO {table.name} ({', '.join(names)}) "
                f"SELECT * FROM unnest({casts}){on_conflict}",
                arrays,
            )

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
                # Storing an article deletes its URL's row here: one writer at a time.
                self._lock_writes(conn)
                conn.execute(upsert, rows)
        except Exception as exc:
            self._raise_if_unavailable(exc)
            raise
        return len(items)


def _publication_order(row: Any) -> tuple[bool, float, tuple[int, int, str], str]:
    """Sort key of articles by publication: the first is a group's original."""
    published = row.published_at
    return (
        published is None,
        published.timestamp() if published is not None else 0.0,
        nd.site_id_key(row.article_id),
        row.identity,
    )


def _thread_marks(
    article_pk: int, by_id: dict[str, dict[str, Any]], stored: dict[str, Any]
) -> tuple[dict[str, tuple[str, str]], dict[str, dict[str, Any]]]:
    """For one article's comments read this time (``by_id``) and the stored rows of the
    same ids or the same article (``stored``): the repeat marks of its thread as it will
    be (``nearduplicates.repeated_comments``), and each stored comment's changed fields."""
    if not stored:
        # A new thread: its comments as they came are the whole thread.
        return nd.repeated_comments(by_id.values()), {}
    # The article's comments as they will be: stored values, then this write's.
    thread: dict[str, dict[str, Any]] = {
        comment_id: {"comment_id": comment_id, **{f: getattr(row, f) for f in _COMMENT_FIELDS}}
        for comment_id, row in stored.items()
        if row.article_id == article_pk
    }
    changes: dict[str, dict[str, Any]] = {}
    for comment_id, comment in by_id.items():
        values = {name: comment.get(name) for name in _COMMENT_FIELDS}
        row = stored.get(comment_id)
        if row is None:
            thread[comment_id] = {"comment_id": comment_id, **values}
            continue
        changes[comment_id] = {
            name: value
            for name, value in values.items()
            if getattr(row, name) != value and not (value is None and name in _COMMENT_STICKY)
        }
        if comment_id in thread:
            thread[comment_id].update(changes[comment_id])
    return nd.repeated_comments(thread.values()), changes


def _aware(value: Any) -> Any:
    """``value`` if it is None or an aware datetime; else the column type's error (a naive
    time would be read in the session's time zone by PostgreSQL, as UTC by SQLite)."""
    if value is None or (isinstance(value, datetime) and value.utcoffset() is not None):
        return value
    # Not a time, or a naive one: the type raises its error (the dialect is not read).
    return _UTC_DATETIME.process_bind_param(value, _POSTGRESQL)


def _similarity(a: bytes | None, b: bytes | None) -> float | None:
    """Estimated similarity of two fingerprints, rounded for storage; None if unknown."""
    if a is None or b is None:
        return None
    try:
        return round(nd.similarity(a, b), 4)
    except ValueError:
        return None


def _groups(items: Sequence[ArticleItem]) -> list[list[tuple[str, ArticleItem]]]:
    """The items in order, with their identities, cut where an article comes again or a
    comment id already seen under another article of the group comes again."""
    groups: list[list[tuple[str, ArticleItem]]] = []
    identities: set[str] = set()
    comment_ids: set[str] = set()
    for item in items:
        identity = article_identity(item)
        ids = {comment["comment_id"] for comment in item.comments}
        if not groups or identity in identities or not comment_ids.isdisjoint(ids):
            groups.append([])
            identities, comment_ids = set(), set()
        groups[-1].append((identity, item))
        identities.add(identity)
        comment_ids |= ids
    return groups


def _stored_urls(conn: sa.Connection, urls: list[str]) -> set[str]:
    """Those of ``urls`` that ``article_urls`` holds (under any article)."""
    u = t.article_urls
    if conn.dialect.name == "postgresql":
        among = u.c.url == sa.any_(sa.literal(urls, postgresql.ARRAY(u.c.url.type)))
    else:
        among = u.c.url.in_(urls)
    return set(conn.scalars(sa.select(u.c.url).where(among)))
