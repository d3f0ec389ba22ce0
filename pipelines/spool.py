"""A durable spool for items the database could not take.

When the database is down, the store pipeline appends the batch it could not write here,
one JSON line per item (with the id of the run that crawled it), flushed and fsynced before
the crawl moves on; a run that ends while the database is down appends its end too (status,
counts and stats, see :class:`RunEnd`). The next successful connection (or the next run, or
``make replay``) writes them in order and empties the spool. Writes are idempotent
(upserts on the article identity and the comment id), so replaying an item that did reach
the database before the outage stores nothing twice.

One file per database: ``<STORE_SPOOL_DIR>/<backend>-<hash>.jsonl``, the hash being the
first 12 hex digits of the sha256 of the database URL with its password hidden
(:func:`spool_path`; ``python -m pipelines.replay --show-path`` prints it). Processes
appending to or replaying one file take turns on an ``flock`` of ``<file>.lock``.

A crash can cut the last line short: such a line is reported and skipped, never guessed.
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import json
import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from crawler.items import ArticleItem, RejectedPageItem
from crawler.parsing.dates import parse_date
from pipelines.runs import json_safe
from pipelines.storage import BATCH_SIZE

logger = logging.getLogger(__name__)

DEFAULT_DIRECTORY = Path("var") / "spool"
_KINDS = {"article": ArticleItem, "rejected": RejectedPageItem}
_RUN_END = "run_end"
# encode() writes "kind" first, so a run's end is told from an item without parsing it.
_RUN_END_PREFIX = json.dumps({"kind": _RUN_END})[:-1]


@dataclasses.dataclass
class RunEnd:
    """The end of a run that could not be written to ``crawl_runs`` (database down)."""

    run_id: int
    finished_at: datetime
    #: Scrapy's final stats, as ``pipelines.runs.finish_run`` takes them.
    stats: Mapping[str, Any]


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


def encode(item: ArticleItem | RejectedPageItem | RunEnd, run_id: int | None = None) -> str:
    """One JSON line for an item (crawled by run ``run_id``) or a run's end."""
    if isinstance(item, RunEnd):
        record = {
            "kind": _RUN_END,
            "run": item.run_id,
            "finished_at": item.finished_at.isoformat(),
            "stats": {key: json_safe(value) for key, value in item.stats.items()},
        }
    else:
        kind = "article" if isinstance(item, ArticleItem) else "rejected"
        record = {"kind": kind, "item": dataclasses.asdict(item)}
        if run_id is not None:
            record["run"] = run_id
    return json.dumps(record, default=_encode, ensure_ascii=False)


def decode_entry(line: str) -> tuple[ArticleItem | RejectedPageItem | RunEnd, int | None]:
    """What one spooled line holds, and the id of the run it came from (None if unknown)."""
    record = json.loads(line)
    run_id = record.get("run")
    if record["kind"] == _RUN_END:
        end = RunEnd(int(run_id), datetime.fromisoformat(record["finished_at"]), record["stats"])
        return end, end.run_id
    return _decode_item(record), run_id


def decode(line: str) -> ArticleItem | RejectedPageItem:
    """The item of one spooled line (times back to aware datetimes)."""
    entry, _ = decode_entry(line)
    if isinstance(entry, RunEnd):
        raise ValueError("a run's end, not an item")
    return entry


def _decode_item(record: dict[str, Any]) -> ArticleItem | RejectedPageItem:
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
        """How many items wait (runs' ends not counted; damaged lines counted)."""
        return sum(1 for line in self._lines() if not line.startswith(_RUN_END_PREFIX))

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the spool's ``flock`` (one process appending or replaying at a time)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "ab") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def append(
        self, items: list[ArticleItem | RejectedPageItem], run_id: int | None = None
    ) -> None:
        """Add items crawled by run ``run_id``; they are on disk when this returns."""
        self._write("".join(encode(item, run_id) + "\n" for item in items))

    def append_run_end(self, end: RunEnd) -> None:
        """Add a run's end, written to ``crawl_runs`` after the items before it."""
        self._write(encode(end) + "\n")

    def _write(self, text: str) -> None:
        if not text:
            return
        with self.exclusive():
            self._append(text.encode("utf-8"))

    def _append(self, data: bytes) -> None:
        new_file = not self.path.exists()
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

    def entries(self) -> Iterator[tuple[ArticleItem | RejectedPageItem | RunEnd, int | None]]:
        """Items and runs' ends in order, each with its run's id (None if not recorded);
        a damaged line (a crash mid-write) is skipped."""
        for number, line in enumerate(self._lines(), start=1):
            try:
                yield decode_entry(line)
            except (ValueError, KeyError, TypeError) as exc:
                logger.error("Skipping damaged line %d of %s: %s", number, self.path, exc)

    def items(self) -> Iterator[ArticleItem | RejectedPageItem]:
        """The spooled items in order (runs' ends left out)."""
        for entry, _ in self.entries():
            if not isinstance(entry, RunEnd):
                yield entry

    def clear(self) -> None:
        """Forget everything spooled (after it was all written)."""
        self.path.unlink(missing_ok=True)


def replay(
    storage: Any, spool: Spool, *, run_id: int | None = None, batch_size: int = BATCH_SIZE
) -> Any:
    """Write every spooled item and run's end through ``storage``, in order, then empty
    the spool.

    Items are written in batches, each with the id of the run that crawled it (``run_id``
    for lines that do not say); a run's end goes to ``crawl_runs`` once the items spooled
    before it are written. Returns the articles' ``WriteResult`` (rejected pages counted
    in ``result.rejected_replayed``, runs' ends in ``result.runs_ended``). Raises
    ``DatabaseUnavailableError`` if the database goes away meanwhile; the spool is then
    kept whole (writing it again is harmless).
    """
    from pipelines.storage import WriteResult

    result = WriteResult()
    articles: list[ArticleItem] = []
    rejected: list[RejectedPageItem] = []
    owner: int | None = None

    def write() -> None:
        if rejected:
            result.rejected_replayed += storage.write_rejected(rejected, run_id=owner)
            rejected.clear()
        if articles:
            result.add(storage.write_articles(articles, run_id=owner))
            articles.clear()

    with spool.exclusive():
        for entry, entry_run in spool.entries():
            if isinstance(entry, RunEnd):
                write()
                storage.finish_run(entry.run_id, entry.stats, entry.finished_at)
                result.runs_ended += 1
                continue
            if (entry_run if entry_run is not None else run_id) != owner:
                write()
                owner = entry_run if entry_run is not None else run_id
            (articles if isinstance(entry, ArticleItem) else rejected).append(entry)
            if len(articles) + len(rejected) >= batch_size:
                write()
        write()
        spool.clear()
    return result
