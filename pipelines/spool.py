"""A durable spool for items the database could not take.

When the database is down, the store pipeline appends the batch it could not write here,
one JSON line per item, flushed and fsynced before the crawl moves on; the next successful
connection (or the next run, or ``make replay``) writes them and empties the spool. Writes
are idempotent (upserts on the article identity and the comment id), so replaying an item
that did reach the database before the outage stores nothing twice.

A crash can cut the last line short: such a line is reported and skipped, never guessed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from crawler.items import ArticleItem, RejectedPageItem
from crawler.parsing.dates import parse_date

logger = logging.getLogger(__name__)

DEFAULT_DIRECTORY = Path("var") / "spool"
_KINDS = {"article": ArticleItem, "rejected": RejectedPageItem}


def spool_path(database_url: str | sa.URL, directory: str | Path | None = None) -> Path:
    """The spool file for one database: items never replay into another database."""
    url = sa.make_url(database_url)
    key = url.render_as_string(hide_password=True).encode("utf-8")
    name = f"{url.get_backend_name()}-{hashlib.sha256(key).hexdigest()[:12]}.jsonl"
    return Path(directory or DEFAULT_DIRECTORY) / name


def _encode(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"cannot spool a {type(value).__name__}")


def encode(item: ArticleItem | RejectedPageItem) -> str:
    """One JSON line for an item."""
    kind = "article" if isinstance(item, ArticleItem) else "rejected"
    return json.dumps(
        {"kind": kind, "item": dataclasses.asdict(item)}, default=_encode, ensure_ascii=False
    )


def decode(line: str) -> ArticleItem | RejectedPageItem:
    """The item of one spooled line (times back to aware datetimes)."""
    record = json.loads(line)
    fields = record["item"]
    if record["kind"] == "article":
        for name in ("published_at", "modified_at"):
            fields[name] = parse_date(fields.get(name))
        for comment in fields.get("comments") or []:
            comment["posted_at"] = parse_date(comment.get("posted_at"))
    return _KINDS[record["kind"]](**fields)


class Spool:
    """An append-only file of items waiting for the database."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def __len__(self) -> int:
        return sum(1 for _ in self._lines())

    def append(self, items: list[ArticleItem | RejectedPageItem]) -> None:
        """Add items; they are on disk when this returns."""
        if not items:
            return
        new_file = not self.path.exists()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = "".join(encode(item) + "\n" for item in items).encode("utf-8")
        with open(self.path, "ab") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if new_file:
            # The file's directory entry must be durable too.
            directory = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)

    def _lines(self) -> Iterator[str]:
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield line

    def items(self) -> Iterator[ArticleItem | RejectedPageItem]:
        """The spooled items in order; a damaged line (a crash mid-write) is skipped."""
        for number, line in enumerate(self._lines(), start=1):
            try:
                yield decode(line)
            except (ValueError, KeyError, TypeError) as exc:
                logger.error("Skipping damaged line %d of %s: %s", number, self.path, exc)

    def clear(self) -> None:
        """Forget everything spooled (after it was all written)."""
        self.path.unlink(missing_ok=True)


def replay(storage: Any, spool: Spool, *, run_id: int | None = None, batch_size: int = 25) -> Any:
    """Write every spooled item through ``storage`` in batches, then empty the spool.

    Returns the articles' ``WriteResult`` (``rejected`` pages counted in
    ``result.rejected_replayed``). Raises ``DatabaseUnavailableError`` if the database goes
    away meanwhile; the spool is then kept whole (writing it again is harmless).
    """
    from pipelines.storage import WriteResult

    result = WriteResult()
    rejected_total = 0
    articles: list[ArticleItem] = []
    rejected: list[RejectedPageItem] = []

    def write() -> None:
        nonlocal rejected_total
        if rejected:
            rejected_total += storage.write_rejected(rejected, run_id=run_id)
            rejected.clear()
        if articles:
            result.add(storage.write_articles(articles, run_id=run_id))
            articles.clear()

    for item in spool.items():
        (articles if isinstance(item, ArticleItem) else rejected).append(item)
        if len(articles) + len(rejected) >= batch_size:
            write()
    write()
    spool.clear()
    result.rejected_replayed = rejected_total
    return result
