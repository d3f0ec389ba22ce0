"""``make demo``: crawl the bundled sample site into the configured database and summarize.

Serves the sample site on 127.0.0.1, runs the ``rtl`` spider against it in this process,
then prints what was stored and one example SQL query with its result.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import sqlalchemy as sa
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler.config import database_url
from sample_site.server import serve
from schemas.engine import display_url

EXAMPLE_QUERY = """\
SELECT title, authors, tags, comment_count
FROM article_summary
ORDER BY comment_count DESC, published_at DESC
LIMIT 5"""


def crawl_settings(base_url: str, db_url: str) -> Settings:
    """Project settings tuned for a local site: no delay, quiet logs."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.setdict(
        {
            "RTL_BASE_URL": base_url,
            "DATABASE_URL": db_url,
            "DOWNLOAD_DELAY": 0,
            "RETRY_BACKOFF_BASE": 0,
            "AUTOTHROTTLE_ENABLED": False,
            "LOG_LEVEL": "WARNING",
        },
        priority="cmdline",
    )
    return settings


def run_crawl(settings: Settings, **spider_args: Any) -> dict[str, Any]:
    """Run the ``rtl`` spider to completion and return its final stats."""
    process = CrawlerProcess(settings)
    crawler = process.create_crawler("rtl")
    process.crawl(crawler, **spider_args)
    process.start()
    return crawler.stats.get_stats()


def summarize(db_url: str, stats: dict[str, Any]) -> str:
    """Human summary of the crawl and of the database it wrote to."""
    engine = sa.create_engine(db_url)
    lines = []
    try:
        with engine.connect() as conn:
            scalar = conn.scalar
            articles = scalar(sa.text("SELECT count(*) FROM articles"))
            comments = scalar(sa.text("SELECT count(*) FROM comments"))
            repeats = scalar(
                sa.text("SELECT count(*) FROM comments WHERE duplicate_of IS NOT NULL")
            )
            aliases = scalar(sa.text("SELECT count(*) FROM article_urls"))
            rejected = conn.execute(
                sa.text(
                    "SELECT reason, count(*) FROM rejected_pages GROUP BY reason ORDER BY reason"
                )
            ).all()
            example = conn.execute(sa.text(EXAMPLE_QUERY)).all()
    finally:
        engine.dispose()
    shown_url = display_url(db_url)
    lines.append(f"Database: {shown_url}")
    lines.append(
        f"This crawl: {stats.get('response_received_count', 0)} responses, "
        f"{stats.get('store/articles_new', 0)} new articles, "
        f"{stats.get('store/articles_updated', 0)} updated, "
        f"{stats.get('store/articles_unchanged', 0)} unchanged, "
        f"{stats.get('store/comments_new', 0)} new comments, "
        f"finish reason: {stats.get('finish_reason')}"
    )
    lines.append(f"Articles stored:      {articles} (under {aliases} URLs)")
    lines.append(f"Comments stored:      {comments} ({repeats} marked as exact repeats)")
    lines.append(
        "Duplicates merged:    "
        f"{stats.get('dedupe/articles_merged', 0)} article pages, "
        f"{stats.get('dedupe/comments_seen_twice', 0)} comments seen on two pages"
    )
    total_rejected = sum(n for _, n in rejected)
    reasons = ", ".join(f"{reason}: {n}" for reason, n in rejected) or "none"
    lines.append(f"Pages rejected:       {total_rejected} ({reasons})")
    lines.append("")
    lines.append("Example query:")
    lines.extend("  " + line for line in EXAMPLE_QUERY.splitlines())
    lines.append("")
    for title, authors, tags, count in example:
        lines.append(f"  {count:>3} comments | {title[:60]:<60} | {authors or '-'} | {tags or '-'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: DATABASE_URL or var/crawl.sqlite")
    args = parser.parse_args(argv)
    db_url = database_url({"DATABASE_URL": args.database_url})
    with serve() as site:
        print(f"Serving the sample site on {site.base_url}; crawling it ...", flush=True)
        stats = run_crawl(crawl_settings(site.base_url, db_url))
    print(summarize(db_url, stats))
    return 0 if stats.get("finish_reason") == "finished" else 1


if __name__ == "__main__":
    sys.exit(main())
