"""Search the stored articles (or comments) from the command line.

    python -m crawler.search "réforme des retraites" [--since 2019-12-01]
        [--section politique] [--comments] [--limit 20] [--database-url URL]

Prints the best matches first: date (Paris time), section, title, URL and a snippet with
the matching words highlighted (bold on a terminal, ``**word**`` otherwise). The query
is in web-search syntax: words, "a phrase", ``or``, ``-excluded``. The database is the
crawler's (``--database-url``, else DATABASE_URL, else var/crawl.sqlite), migrated to
``0004_search`` at least. Exit status: 0 (matches or not), 1 when the database cannot be
used, 2 for a usage error (an empty query included).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TextIO

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from crawler.cliargs import SITE_TZ, positive, since
from crawler.config import database_url
from schemas.engine import (
    DatabaseUnavailableError,
    check_connection,
    create_engine,
    error_text,
    where,
)
from schemas.migrate import alembic_config
from schemas.search import EmptyQueryError, SearchHit, search

#: The migration that created the search index.
SEARCH_REVISION = "0004_search"
BOLD = ("\x1b[1m", "\x1b[0m")
PLAIN = ("**", "**")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m crawler.search",
        description="Full-text search of the stored articles (French stemming, accents "
        "ignored), best matches first.",
    )
    parser.add_argument("query", help='words, "a phrase", or, -excluded')
    parser.add_argument(
        "--since", type=since, help="published (comments: posted) from this day on"
    )
    parser.add_argument("--section", help="only this section (politique, sport, ...)")
    parser.add_argument(
        "--comments", action="store_true", help="search reader comments instead of articles"
    )
    parser.add_argument("--limit", type=positive, default=20, help="results shown (20)")
    parser.add_argument(
        "--database-url", help="SQLAlchemy URL (default: DATABASE_URL, else var/crawl.sqlite)"
    )
    return parser


def format_hit(number: int, hit: SearchHit) -> str:
    when = hit.at.astimezone(SITE_TZ).strftime("%Y-%m-%d %H:%M") if hit.at else "(no date)"
    if hit.comment_id is not None:
        head = f"{number}. {when}  {hit.author or '(anonymous)'} on: {hit.title}"
        link = f"{hit.url} (comment {hit.comment_id})"
    else:
        section = f"  [{hit.section}]" if hit.section else ""
        head = f"{number}. {when}{section}  {hit.title}"
        link = hit.url
    lines = [head, f"   {link}"]
    if hit.snippet:
        lines.append(f"   {hit.snippet}")
    return "\n".join(lines)


def has_search_index(conn: sa.Connection) -> bool:
    """Whether the database's migrations include ``0004_search``."""
    current = MigrationContext.configure(conn).get_current_revision()
    if current is None:
        return False
    script = ScriptDirectory.from_config(alembic_config())
    return any(r.revision == SEARCH_REVISION for r in script.iterate_revisions(current, "base"))


def run(args: argparse.Namespace, out: TextIO) -> int:
    url = database_url({"DATABASE_URL": args.database_url})
    highlight = BOLD if out.isatty() else PLAIN
    try:
        engine = create_engine(url)
    except (sa.exc.ArgumentError, ValueError):
        print("error: not a usable database URL", file=sys.stderr)
        return 2
    try:
        check_connection(engine)
        with engine.connect() as conn:
            if not has_search_index(conn):
                print(
                    f"error: the database at {where(engine)} has no search index yet: "
                    "run `make db-upgrade` (or one crawl) with the same DATABASE_URL",
                    file=sys.stderr,
                )
                return 1
            hits = search(
                conn, args.query, since=args.since, section=args.section,
                comments=args.comments, limit=args.limit, highlight=highlight,
            )  # fmt: skip
    except DatabaseUnavailableError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except EmptyQueryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except sa.exc.SQLAlchemyError as exc:
        print(f"error: the search failed: {error_text(exc, url)}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    what = "comments" if args.comments else "articles"
    if not hits:
        print(f"No {what} match {args.query!r}.", file=out)
        return 0
    print(f"{len(hits)} {what} matching {args.query!r}, best first:\n", file=out)
    print("\n\n".join(format_hit(n, hit) for n, hit in enumerate(hits, 1)), file=out)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run(args, sys.stdout)


if __name__ == "__main__":
    sys.exit(main())
