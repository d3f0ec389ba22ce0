"""Where the crawler's runtime configuration comes from: Scrapy settings, and for the
database the rules of ``schemas.database_url`` (the bottom layer), re-exported here for
the crawler's modules and commands."""

from schemas.database_url import DEFAULT_SQLITE_PATH, database_url

__all__ = ["DEFAULT_SQLITE_PATH", "database_url"]
