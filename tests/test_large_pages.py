"""Page size over HTTP: a 5 MB article page is an article; only pages past the cap are refused."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from crawler import settings
from sample_site import ARTICLES, SampleServer, article_url, serve
from tests.crawl_helpers import scrapy_crawl

#: Runs real crawls (``scrapy crawl`` in a child process) against local servers.
pytestmark = pytest.mark.e2e

BIG, HUGE = ARTICLES[0], ARTICLES[1]


def _padded(body: bytes, size: int) -> bytes:
    """The page with inline script and markup noise added until it weighs ``size`` bytes."""
    filler = b"<script>var tracking = '" + b"x" * 1000 + b"';</script>\n"
    padding = filler * ((size - len(body)) // len(filler) + 1)
    return body.replace(b"</body>", padding + b"</body>", 1)


@pytest.fixture
def site() -> Iterator[SampleServer]:
    with serve() as server:
        pages = server.site.pages
        pages[BIG.path] = dataclasses.replace(
            pages[BIG.path], body=_padded(pages[BIG.path].body, 5 * 1024 * 1024)
        )
        pages[HUGE.path] = dataclasses.replace(
            pages[HUGE.path], body=_padded(pages[HUGE.path].body, settings.DOWNLOAD_MAXSIZE + 1)
        )
        yield server


def test_five_megabyte_page_is_stored_and_pages_past_the_cap_are_refused(
    site: SampleServer, clean_pg_db_url: str
) -> None:
    assert len(site.site.pages[BIG.path].body) >= 5 * 1024 * 1024
    done = scrapy_crawl(site.base_url, clean_pg_db_url, "section=international")
    assert done.returncode == 0, done.stderr[-2000:]

    engine = sa.create_engine(clean_pg_db_url)
    try:
        with engine.connect() as conn:
            title = conn.scalar(
                sa.text("SELECT title FROM articles WHERE article_id = :i"), {"i": BIG.article_id}
            )
            huge_stored = conn.scalar(
                sa.text("SELECT count(*) FROM articles WHERE article_id = :i"),
                {"i": HUGE.article_id},
            )
            refused = conn.execute(
                sa.text("SELECT url, reason FROM rejected_pages WHERE reason = 'too_large'")
            ).all()
    finally:
        engine.dispose()
    assert title == BIG.title
    assert huge_stored == 0
    assert refused == [(article_url(HUGE, site.base_url), "too_large")]
