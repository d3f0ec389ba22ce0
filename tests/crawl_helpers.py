"""Run the real ``scrapy crawl rtl`` command against a local site, as users do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent

TABLES = [
    "articles",
    "article_urls",
    "authors",
    "article_authors",
    "tags",
    "article_tags",
    "comments",
    "rejected_pages",
]


def crawl_command(
    base_url: str,
    db_url: str,
    *spider_args: str,
    settings: dict[str, str] | None = None,
    spider: str = "rtl",
) -> tuple[list[str], dict[str, str]]:
    """The ``scrapy crawl <spider>`` command line and environment for a local site (the
    site's root, ``<SPIDER>_BASE_URL``, pointed at it)."""
    command = [sys.executable, "-m", "scrapy", "crawl", spider]
    options = {
        f"{spider.upper()}_BASE_URL": base_url,
        "DATABASE_URL": db_url,
        "DOWNLOAD_DELAY": "0",
        "RETRY_BACKOFF_BASE": "0",
        "AUTOTHROTTLE_ENABLED": "False",
        "LOG_LEVEL": "INFO",
        **(settings or {}),
    }
    for name, value in options.items():
        command += ["-s", f"{name}={value}"]
    for arg in spider_args:
        command += ["-a", arg]
    # Only what the test passes: a REDIS_URL in the environment would make every crawl a
    # distributed one.
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    return command, env


def scrapy_crawl(
    base_url: str,
    db_url: str,
    *spider_args: str,
    settings: dict[str, str] | None = None,
    timeout: float = 180,
    spider: str = "rtl",
) -> subprocess.CompletedProcess[str]:
    """``scrapy crawl <spider>`` in a child process (Twisted's reactor cannot restart)."""
    command, env = crawl_command(
        base_url, db_url, *spider_args, settings=settings, spider=spider
    )
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def row_counts(db_url: str) -> dict[str, int]:
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            return {t: conn.scalar(sa.text(f"SELECT count(*) FROM {t}")) for t in TABLES}
    finally:
        engine.dispose()


def table_dump(db_url: str, ignore: tuple[str, ...] = ("last_seen_at",)) -> dict[str, list]:
    """Every row of every table, sorted, without the columns a re-crawl may touch."""
    engine = sa.create_engine(db_url)
    metadata = sa.MetaData()
    dump: dict[str, list] = {}
    try:
        with engine.connect() as conn:
            metadata.reflect(conn, only=TABLES)
            for name in TABLES:
                table = metadata.tables[name]
                columns = [c for c in table.columns if c.name not in ignore]
                rows = conn.execute(sa.select(*columns)).all()
                dump[name] = sorted(tuple(map(repr, row)) for row in rows)
    finally:
        engine.dispose()
    return dump


def query(db_url: str, sql: str, **params: object) -> list[sa.Row]:
    """The rows of one SQL query, on a connection of its own."""
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql), params).all()
    finally:
        engine.dispose()
