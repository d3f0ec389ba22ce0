"""Export the stored articles, one per line, in the items' field names.

    python -m crawler.export [--since 2019-12-01] [--format jsonl|csv] [--with-comments]
        [--output FILE] [--database-url URL]

One article per line (JSON Lines) or row (CSV, with a header) with its authors, tags,
URLs (``aliases``) and, with ``--with-comments``, its comments: the fields of
``crawler.items.ArticleItem`` (see ``crawler.stored_articles``). In CSV, list and object fields
are JSON text. Oldest first; ``--since`` keeps articles published from that day (Paris
time) on. Read in batches from one snapshot of the database, so memory stays flat and a
crawl may run meanwhile.

Without ``--output`` the records go to standard output. With it they are written to
``FILE.partial`` and renamed to FILE once complete: a failed export leaves FILE as it was.
The format defaults to ``csv`` for a ``.csv`` output, else ``jsonl``. Exit status: 0, 1
when the database cannot be read or the file written, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext

from crawler.cliargs import since
from crawler.config import database_url
from crawler.stored_articles import export_records, fields
from schemas.engine import (
    DatabaseUnavailableError,
    check_connection,
    create_engine,
    error_text,
    where,
)

FORMATS = ("jsonl", "csv")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m crawler.export",
        description="Export the stored articles, one per line, in the items' field names.",
    )
    parser.add_argument("--since", type=since, help="published from this day on (YYYY-MM-DD)")
    parser.add_argument(
        "--format", choices=FORMATS, help="jsonl (default) or csv (default for a .csv output)"
    )
    parser.add_argument(
        "--with-comments", action="store_true", help="each article with its reader comments"
    )
    parser.add_argument("--output", type=Path, help="file to write (default: standard output)")
    parser.add_argument(
        "--database-url", help="SQLAlchemy URL (default: DATABASE_URL, else var/crawl.sqlite)"
    )
    return parser


def write_jsonl(records: Iterable[dict[str, Any]], out: TextIO) -> int:
    count = 0
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


def write_csv(records: Iterable[dict[str, Any]], out: TextIO, header: Sequence[str]) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    count = 0
    for record in records:
        writer.writerow(_cell(record[name]) for name in header)
        count += 1
    return count


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return value


@contextmanager
def _destination(path: Path | None) -> Iterator[TextIO]:
    if path is None:
        yield sys.stdout
        return
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


@contextmanager
def _snapshot(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A read-only transaction that sees one state of the database throughout."""
    options: dict[str, Any] = {}
    if engine.dialect.name == "postgresql":
        options = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
    with engine.connect() as conn:
        conn = conn.execution_options(**options)
        with conn.begin():
            yield conn


def run(args: argparse.Namespace) -> int:
    url = database_url({"DATABASE_URL": args.database_url})
    form = args.format or ("csv" if args.output and args.output.suffix == ".csv" else "jsonl")
    try:
        engine = create_engine(url)
    except (sa.exc.ArgumentError, ValueError):
        print("error: not a usable database URL", file=sys.stderr)
        return 2
    count = 0
    try:
        check_connection(engine)
        with _snapshot(engine) as conn:
            if MigrationContext.configure(conn).get_current_revision() is None:
                print(f"error: the database at {where(engine)} has no tables yet: run "
                      "`make db-upgrade` or a crawl with the same DATABASE_URL",
                      file=sys.stderr)  # fmt: skip
                return 1
            records = export_records(conn, since=args.since, with_comments=args.with_comments)
            with _destination(args.output) as out:
                if form == "csv":
                    count = write_csv(records, out, fields(args.with_comments))
                else:
                    count = write_jsonl(records, out)
    except DatabaseUnavailableError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except sa.exc.SQLAlchemyError as exc:
        print(f"error: the export failed: {error_text(exc, url)}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (`| head`): nothing left to say, and nowhere to say it.
        # Python's flush of stdout at exit would fail again: point it at /dev/null.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as exc:
        print(f"error: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    target = args.output or "standard output"
    print(f"Exported {count} articles ({form}) to {target}", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return run(build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
