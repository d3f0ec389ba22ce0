"""Which database to use: the rules for the database URL, at the bottom layer so that the
crawler, the pipelines, the migrations and the command-line tools all read it alike.

The value lives in Scrapy settings and may also come from the environment, so that cron
lines and CI can set it without touching files. Nothing here is read at import time.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DEFAULT_SQLITE_PATH = Path("var") / "crawl.sqlite"


def database_url(settings: Mapping[str, Any] | None = None) -> str:
    """Return the SQLAlchemy URL to store into.

    Order: the ``DATABASE_URL`` Scrapy setting (``-s DATABASE_URL=...``), then the
    ``DATABASE_URL`` environment variable, then an embedded SQLite file under ``var/``.
    Plain ``postgresql://`` URLs are given the psycopg 3 driver.
    """
    url = (settings or {}).get("DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not url:
        DEFAULT_SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{DEFAULT_SQLITE_PATH}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
