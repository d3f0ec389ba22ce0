"""Two sites of the platform crawled into one database: RTL and Fun Radio, each served by
its own copy of the sample site (same article and comment ids on purpose)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from scrapy.utils.misc import walk_modules_iter
from scrapy.utils.spider import iter_spider_classes

from crawler.sites import SITES, site_named
from sample_site import serve
from sample_site.expected import expected_totals
from tests.crawl_helpers import row_counts, scrapy_crawl

pytestmark = pytest.mark.e2e

#: Fun Radio's own sections do not exist on the sample site; its listings are RTL's.
SAMPLE_SECTIONS = "international,politique,societe,economie,sport,culture"


def query(db_url: str, sql: str) -> list[tuple]:
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(sa.text(sql))]
    finally:
        engine.dispose()


def test_every_site_definition_has_its_spider() -> None:
    spiders = {
        cls.name: cls
        for module in walk_modules_iter("crawler.spiders")
        for cls in iter_spider_classes(module)
    }
    assert set(spiders) == set(SITES) == {"rtl", "funradio"}
    assert all(spiders[name].site is SITES[name] for name in SITES)
    assert site_named("funradio").identity("7900000001", None) == "funradio:7900000001"
    with pytest.raises(ValueError, match="unknown site 'rtl2'; known: funradio, rtl"):
        site_named("rtl2")


def test_two_sites_crawl_into_one_database_without_colliding(clean_pg_db_url: str) -> None:
    totals = expected_totals()
    with serve() as rtl, serve() as funradio:
        first = scrapy_crawl(rtl.base_url, clean_pg_db_url)
        second = scrapy_crawl(
            funradio.base_url, clean_pg_db_url, spider="funradio",
            settings={"FUNRADIO_SECTIONS": SAMPLE_SECTIONS},
        )  # fmt: skip
    assert first.returncode == 0, first.stderr[-3000:]
    assert second.returncode == 0, second.stderr[-3000:]

    counts = row_counts(clean_pg_db_url)
    # The same ids on both sites: two articles and two comments each, nothing merged.
    assert counts["articles"] == 2 * totals["articles"] == 68
    assert counts["comments"] == 2 * totals["comments"] == 466
    assert counts["rejected_pages"] == 2 * totals["rejected_pages"]
    by_site = dict(query(clean_pg_db_url, "SELECT site, count(*) FROM articles GROUP BY site"))
    assert by_site == {"rtl": 34, "funradio": 34}
    comments = dict(query(clean_pg_db_url, "SELECT site, count(*) FROM comments GROUP BY site"))
    assert comments == {"rtl": 233, "funradio": 233}
    assert query(
        clean_pg_db_url,
        "SELECT identity, site FROM articles WHERE article_id = '7797504917' ORDER BY identity",
    ) == [("funradio:7797504917", "funradio"), ("rtl:7797504917", "rtl")]
    # Every comment belongs to an article of its own site.
    assert query(
        clean_pg_db_url,
        "SELECT count(*) FROM comments c JOIN articles a ON a.id = c.article_id"
        " WHERE a.site <> c.site",
    ) == [(0,)]
    methods = query(
        clean_pg_db_url,
        "SELECT DISTINCT site, extraction->>'title' FROM articles ORDER BY 1, 2",
    )
    assert ("funradio", "site:funradio/v2019") in methods
    assert ("rtl", "site:rtl/v2019") in methods
    runs = query(clean_pg_db_url, "SELECT job, status FROM crawl_runs ORDER BY id")
    assert runs == [("rtl", "finished"), ("funradio", "finished")]
