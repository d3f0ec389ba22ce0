"""``make replay``: write the items (and runs' ends) spooled while the database was down.

    python -m pipelines.replay [--database-url URL] [--spool-dir DIR] [--show-path]

The database is ``--database-url``, else the ``DATABASE_URL`` environment variable, else
the local SQLite file, as for a crawl. ``--show-path`` only prints the spool file of that
database. Exit status 0 when the spool is empty afterwards, 69 when the database is still
unreachable.
"""

from __future__ import annotations

import argparse
import sys

from crawler.config import database_url
from crawler.exitcodes import DATABASE_UNAVAILABLE, OK
from pipelines.spool import DEFAULT_DIRECTORY, Spool, replay, spool_path
from pipelines.storage import Storage
from schemas.engine import DatabaseUnavailableError, display_url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: DATABASE_URL or var/crawl.sqlite")
    parser.add_argument("--spool-dir", default=str(DEFAULT_DIRECTORY))
    parser.add_argument(
        "--show-path", action="store_true", help="print the spool file's path and exit"
    )
    args = parser.parse_args(argv)
    url = database_url({"DATABASE_URL": args.database_url})
    spool = Spool(spool_path(url, args.spool_dir))
    if args.show_path:
        print(spool.path)
        return OK
    if not spool.path.exists():
        print(f"Nothing spooled for {display_url(url)} ({spool.path} does not exist).")
        return OK
    waiting = len(spool)
    try:
        with Storage(url) as storage:
            storage.check_connection()
            storage.upgrade()
            result = replay(storage, spool)
    except DatabaseUnavailableError as exc:
        print(f"{waiting} items stay in {spool.path}: {exc}", file=sys.stderr)
        return DATABASE_UNAVAILABLE
    counts = result.counts()
    print(
        f"Wrote {waiting} spooled items to {display_url(url)}: "
        f"{counts['articles_new']} new articles, {counts['articles_updated']} updated, "
        f"{counts['articles_unchanged']} unchanged, {counts['comments_new']} new comments, "
        f"{result.rejected_replayed} rejected pages, {counts['failed']} failed; "
        f"{result.runs_ended} runs' ends recorded in crawl_runs."
    )
    return OK


if __name__ == "__main__":
    sys.exit(main())
