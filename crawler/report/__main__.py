"""``python -m crawler.report --out report.html [--database-url URL] [--runs N] [--days N]``

Writes the crawl report of the database (``DATABASE_URL``, else ``var/crawl.sqlite``, as
the crawler picks it) to one HTML file. Exit statuses: 0 written, 1 no crawl database
there (nothing migrated, or no SQLite file), 2 usage error, 69 the database is
unreachable.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import sqlalchemy as sa

from crawler.config import database_url
from crawler.report import data, page
from schemas import tables as t
from schemas.engine import create_engine, display_url, error_text

DATABASE_UNAVAILABLE = 69


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m crawler.report",
        description="Write the crawl report (one self-contained HTML page) of a database.",
    )
    parser.add_argument("--out", type=Path, default=Path("report.html"),
                        help="HTML file to write (default: report.html)")
    parser.add_argument("--database-url", help="SQLAlchemy URL (default: DATABASE_URL, "
                        "else var/crawl.sqlite)")
    parser.add_argument("--runs", type=_positive, default=20,
                        help="the last N runs (default: 20)")
    parser.add_argument("--days", type=_positive, default=30,
                        help="per-day counts, sections and tags over the last N days "
                             "(default: 30)")  # fmt: skip
    args = parser.parse_args(argv)

    url = sa.make_url(database_url({"DATABASE_URL": args.database_url}))
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        print(f"No crawl database at {url.database}: crawl first (make demo), or give "
              "--database-url.", file=sys.stderr)  # fmt: skip
        return 1
    engine = create_engine(url)
    try:
        try:
            with engine.connect() as conn:
                migrated = sa.inspect(conn).has_table(t.crawl_runs.name)
        except sa.exc.SQLAlchemyError as exc:
            print(f"Database unreachable ({display_url(engine)}): {error_text(exc, engine)}",
                  file=sys.stderr)  # fmt: skip
            return DATABASE_UNAVAILABLE
        if not migrated:
            print(f"No crawl tables in {display_url(engine)}: crawl first, or run "
                  "make db-upgrade.", file=sys.stderr)  # fmt: skip
            return 1
        report = data.load(engine, runs=args.runs, days=args.days)
    finally:
        engine.dispose()
    html = page.render(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # Written beside and renamed: a reader never sees half a page.
    partial = args.out.with_name(args.out.name + ".partial")
    partial.write_text(html, encoding="utf-8")
    os.replace(partial, args.out)
    print(f"Wrote {args.out} ({len(html) // 1024} KB): {len(report.runs)} runs, "
          f"{len(report.days)} days, from {report.database}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
