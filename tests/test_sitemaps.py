"""Gzipped, oversized and large sitemaps: read under a size cap, indexes streamed, and
unchanged sitemaps skipped by incremental runs."""

from __future__ import annotations

import dataclasses
import gzip
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from scrapy.http import Response, TextResponse, XmlResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from crawler import settings as crawler_settings
from crawler.parsing.discovery import SitemapEntries, SitemapError, SitemapTooLarge, sitemap_body
from crawler.sitemaps import skip_reason
from crawler.spiders.sites import RtlSpider
from pipelines import runs
from sample_site import ARTICLES, ArticleSpec, SampleServer, build_site, serve
from sample_site.model import PARAGRAPH
from sample_site.render.chrome import SECTIONS
from sample_site.sitemaps import (
    BOMB_ENCODED_PATH,
    BOMB_FILE_PATH,
    NEWS_GZ_PATH,
    SitemapStyle,
    archive_path,
    paris_day,
)
from schemas import tables as t
from tests.crawl_helpers import query, scrapy_crawl

BASE = "http://127.0.0.1:8000"
SM = "http://www.sitemaps.org/schemas/sitemap/0.9"
#: Discovery through robots.txt and the sitemaps only (no section listing, no feed), and
#: more requests at once than the polite default: these sites answer on 127.0.0.1.
SITEMAPS_ONLY = {
    "RTL_SECTIONS": "",
    "RTL_FEED_PATHS": "",
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
}
IN_SITEMAP = {spec.article_id for spec in ARTICLES if spec.in_sitemap}
#: The sections sitemap lists the home page and each section's listing.
SECTION_URLS = 1 + len(SECTIONS)


def _sitemap_paths(articles: list[ArticleSpec] = ARTICLES) -> list[str]:
    """The news sitemap's entries as the README describes them: every article in the
    sitemap, and the wire story's second address, which only the sitemap gives."""
    paths = []
    for spec in sorted(articles, key=lambda s: s.published_at, reverse=True):
        if spec.in_sitemap:
            paths.append(spec.path)
        if spec.twin_path:
            paths.append(spec.twin_path)
    return paths



def _stats(db_url: str, run_id: int) -> dict[str, Any]:
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.scalar(sa.select(t.crawl_runs.c.stats).where(t.crawl_runs.c.id == run_id))
    finally:
        engine.dispose()


def _stored_ids(db_url: str) -> set[str]:
    return {row[0] for row in query(db_url, "SELECT article_id FROM articles")}


def _sitemap_stats(stats: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in stats.items() if key.startswith("sitemap/")}


# --- Reading one sitemap ----------------------------------------------------------------


def test_a_gzip_file_sitemap_is_read_entry_by_entry() -> None:
    site = build_site(BASE, sitemaps=SitemapStyle(gzip=True))
    page = site.get(NEWS_GZ_PATH)
    assert page.content_type == "application/x-gzip"
    assert "Content-Encoding" not in page.headers
    # A gzip file served as it is: Scrapy makes a binary response and leaves it alone.
    response = Response(BASE + NEWS_GZ_PATH, body=page.body,
                        headers={"Content-Type": page.content_type})  # fmt: skip

    entries = SitemapEntries(sitemap_body(response, max_size=1 << 20))

    assert entries.kind == "urlset"
    links = list(entries)
    assert [link.url for link in links] == [BASE + path for path in _sitemap_paths()]
    by_url = {link.url: link for link in links}
    for spec in ARTICLES:
        if spec.in_sitemap:
            link = by_url[BASE + spec.path]
            assert (link.published_at, link.lastmod) == (spec.published_at, spec.last_modified)


def test_plain_xml_is_read_as_it_is() -> None:
    site = build_site(BASE)
    response = XmlResponse(BASE + "/sitemap.xml", body=site.get("/sitemap.xml").body)
    entries = SitemapEntries(sitemap_body(response, max_size=1 << 20))
    assert entries.kind == "sitemapindex"
    assert [link.url for link in entries] == [
        BASE + "/sitemaps/news.xml", BASE + "/sitemaps/sections.xml",
    ]  # fmt: skip


def test_a_gzip_bomb_is_refused_at_the_cap_without_being_expanded() -> None:
    bomb = gzip.compress(b"<urlset>" + b" " * (200 << 20) + b"</urlset>")
    assert len(bomb) < 300_000
    response = Response(BASE + "/sitemaps/bomb.xml.gz", body=bomb)

    tracemalloc.start()
    try:
        with pytest.raises(SitemapTooLarge, match="past the cap of 1048576 B") as refused:
            sitemap_body(response, max_size=1 << 20)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert refused.value.reason == "too_large"
    # Decompression stopped around the cap: 200 MiB never came out.
    assert peak < 4 << 20


def test_a_plain_body_over_the_cap_and_broken_gzip_are_refused() -> None:
    with pytest.raises(SitemapTooLarge):
        sitemap_body(XmlResponse(BASE + "/s.xml", body=b"<urlset>" + b" " * 2000), 1000)
    with pytest.raises(SitemapError) as broken:
        sitemap_body(Response(BASE + "/s.xml.gz", body=b"\x1f\x8b\x08" + b"\x00" * 40), 1000)
    assert broken.value.reason == "invalid"


def test_entries_follow_the_sitemap_not_its_namespace_or_extensions() -> None:
    # No namespace at all, an image extension with its own <loc>, a news date.
    body = (
        b"<?xml version='1.0'?><urlset xmlns:image='urn:image' xmlns:n='urn:news'>"
        b"<url><loc> https://www.rtl.fr/actu/a-7797504917 </loc>"
        b"<image:image><image:loc>https://images.rtl.fr/x.jpg</image:loc></image:image>"
        b"<n:news><n:publication_date>2019-11-09T08:35:00+01:00</n:publication_date></n:news>"
        b"</url><url><lastmod>2019-01-01</lastmod></url></urlset>"
    )
    links = list(SitemapEntries(body))
    assert [(link.url, link.published_at) for link in links] == [
        ("https://www.rtl.fr/actu/a-7797504917", datetime.fromisoformat("2019-11-09T08:35+01:00"))
    ]
    html = SitemapEntries(b"<html><body><a href='/x'>x</a></body></html>")
    assert (html.kind, list(html)) == ("html", [])
    assert SitemapEntries(b"").kind is None


def test_an_index_of_50000_sitemaps_is_streamed() -> None:
    n = 50_000
    body = (
        f'<?xml version="1.0"?><sitemapindex xmlns="{SM}">'
        + "".join(f"<sitemap><loc>{BASE}/sitemaps/{i}.xml</loc>"
                  "<lastmod>2019-01-01T00:00:00+01:00</lastmod></sitemap>" for i in range(n))
        + "</sitemapindex>"
    ).encode()

    tracemalloc.start()
    try:
        count = sum(1 for _ in SitemapEntries(body))
        streamed = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        held = list(SitemapEntries(body))
        listed = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert count == len(held) == n
    assert held[-1].url == f"{BASE}/sitemaps/{n - 1}.xml"
    # Reading them one at a time keeps a handful of entries alive, not 50,000.
    assert streamed * 20 < listed


def test_skip_reason_rules() -> None:
    now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    window = timedelta(days=7)
    last_walk = now - timedelta(hours=1)
    old = now - timedelta(days=30)

    assert skip_reason(old, last_walk, now, window) == "unchanged"
    assert skip_reason(None, last_walk, now, window) is None
    # Never walked completely: everything is read.
    assert skip_reason(old, None, now, window) is None
    # Changed since the last walk.
    assert skip_reason(now - timedelta(minutes=5), last_walk, now, window) is None
    # Unchanged since the last walk but recent: it lists articles still re-checked.
    assert skip_reason(now - timedelta(days=2), last_walk, now, window) is None
    # The last complete walk is old: what changed after it is read.
    assert skip_reason(old, now - timedelta(days=40), now, window) is None
    # Before the since day (on the site's own calendar), even on a first run.
    assert skip_reason(old, None, now, window, since=date(2026, 11, 1)) == "before_since"
    evening = datetime.fromisoformat("2026-10-31T23:30:00+01:00")
    assert skip_reason(evening, None, now, window, since=date(2026, 10, 31)) is None


def test_last_sitemap_walk_is_the_last_run_that_read_every_sitemap(db_url: str) -> None:
    day = datetime(2026, 11, 1, tzinfo=UTC)
    rows = [
        # (job, started day, status, stats)
        ("rtl", 1, "finished", {"sitemap/read": 3}),
        ("rtl", 2, "finished", {"sitemap/read": 3, "sitemap/not_read": 1,
                                "sitemap/not_read/too_large": 1}),
        ("rtl", 3, "failed", {"sitemap/read": 3}),
        ("rtl", 4, "finished", {}),  # read no sitemap (robots.txt failed, say)
        ("rtl since=2026-01-01", 5, "finished", {"sitemap/read": 3}),
        ("rtl", 6, "interrupted", None),
    ]  # fmt: skip
    engine = sa.create_engine(db_url)
    try:
        with engine.begin() as conn:
            for job, offset, status, stats in rows:
                conn.execute(sa.insert(t.crawl_runs).values(
                    job=job, spider="rtl", started_at=day + timedelta(days=offset),
                    status=status, stats=stats,
                ))  # fmt: skip
        assert runs.last_sitemap_walk(engine, "rtl") == day + timedelta(days=1)
        assert runs.last_sitemap_walk(engine, "rtl since=2026-01-01") == day + timedelta(days=5)
        assert runs.last_sitemap_walk(engine, "rtl section=sport") is None
    finally:
        engine.dispose()


# --- Crawls -----------------------------------------------------------------------------


@pytest.fixture
def gzip_site() -> Iterator[SampleServer]:
    with serve(sitemaps=SitemapStyle(gzip=True)) as server:
        yield server


def test_a_crawl_reads_gzipped_sitemaps(gzip_site: SampleServer, clean_pg_db_url: str) -> None:
    result = scrapy_crawl(gzip_site.base_url, clean_pg_db_url, settings=SITEMAPS_ONLY)

    assert result.returncode == 0, result.stderr[-3000:]
    # Every article the gzip file lists, and only those (nothing else announces any).
    assert _stored_ids(clean_pg_db_url) == IN_SITEMAP
    asked = [r.path for r in gzip_site.requests]
    for path in _sitemap_paths():
        assert asked.count(path) == 1, path
    # The index came with Content-Encoding: gzip, the news sitemap as a .xml.gz file.
    assert (asked.count("/sitemap.xml"), asked.count(NEWS_GZ_PATH)) == (1, 1)
    assert "/sitemaps/news.xml" not in asked
    assert _sitemap_stats(_stats(clean_pg_db_url, 1)) == {
        "sitemap/read": 3, "sitemap/urls": len(_sitemap_paths()) + SECTION_URLS,
    }  # fmt: skip
    assert "Sitemap not read" not in result.stderr


def test_a_gzip_bomb_is_refused_and_recorded(clean_pg_db_url: str) -> None:
    unmapped = {spec.article_id for spec in ARTICLES if not spec.in_sitemap}
    assert len(unmapped) == 3
    style = SitemapStyle(gzip=True, bomb_bytes=8 << 20)
    with serve(sitemaps=style) as site:
        result = scrapy_crawl(site.base_url, clean_pg_db_url,
                              settings={**SITEMAPS_ONLY, "RTL_SITEMAP_MAXSIZE": str(1 << 20)})
        asked = [r.path for r in site.requests]

    assert result.returncode == 0, result.stderr[-3000:]
    # Both bombs were fetched (small on the wire) and neither was read: the articles
    # they list, which no other page announces, were never asked for.
    assert (asked.count(BOMB_FILE_PATH), asked.count(BOMB_ENCODED_PATH)) == (1, 1)
    assert _stored_ids(clean_pg_db_url) == IN_SITEMAP
    assert not unmapped & {path.rsplit("-", 1)[-1] for path in asked}
    stats = _stats(clean_pg_db_url, 1)
    assert _sitemap_stats(stats) == {
        "sitemap/read": 3,
        "sitemap/urls": len(_sitemap_paths()) + SECTION_URLS,
        "sitemap/not_read": 2,
        "sitemap/not_read/too_large": 2,
    }
    warnings = [line for line in result.stderr.splitlines() if "Sitemap not read" in line]
    assert len(warnings) == 2
    assert all(" WARNING: Sitemap not read (too_large): " in line for line in warnings)
    assert any(BOMB_FILE_PATH + " (" in line and "past the cap of 1048576 B" in line
               for line in warnings)  # fmt: skip
    assert any(BOMB_ENCODED_PATH + " (Content-Encoding went past the cap of 1048576 B" in line
               for line in warnings)  # fmt: skip
    # Not an article page: nothing in rejected_pages, nothing against the coverage alarm.
    assert query(clean_pg_db_url, "SELECT count(*) FROM rejected_pages") == [(0,)]
    # A run that missed a sitemap is no reference for skipping the next time.
    engine = sa.create_engine(clean_pg_db_url)
    try:
        assert runs.last_sitemap_walk(engine, "rtl") is None
    finally:
        engine.dispose()


def test_an_index_of_thousands_of_sitemaps_is_walked(clean_pg_db_url: str) -> None:
    days = 2000
    with serve(sitemaps=SitemapStyle(gzip=True, archive_days=days)) as site:
        index = site.site.get("/sitemap.xml")
        result = scrapy_crawl(site.base_url, clean_pg_db_url, settings=SITEMAPS_ONLY)
        asked = [r.path for r in site.requests]

    assert result.returncode == 0, result.stderr[-3000:]
    assert gzip.decompress(index.body).count(b"<sitemap>") == days + 2
    newest = max(paris_day(spec.published_at) for spec in ARTICLES)
    archives = {archive_path(newest - timedelta(n)) for n in range(days)}
    # Every sitemap of the index asked for exactly once, nothing else under /sitemaps/.
    assert sorted(p for p in asked if p.startswith("/sitemaps/archive/")) == sorted(archives)
    assert {p for p in asked if p.startswith("/sitemap")} == {
        "/sitemap.xml", NEWS_GZ_PATH, "/sitemaps/sections.xml", *archives,
    }  # fmt: skip
    assert len([p for p in asked if p.startswith("/sitemap")]) == days + 3
    # Each article once, though the news sitemap and its day's archive both list it.
    for path in _sitemap_paths():
        assert asked.count(path) == 1, path
    assert _stored_ids(clean_pg_db_url) == IN_SITEMAP
    assert _sitemap_stats(_stats(clean_pg_db_url, 1)) == {
        "sitemap/read": days + 3,
        # The news sitemap's entries, the same again from the daily archives, the sections.
        "sitemap/urls": 2 * len(_sitemap_paths()) + SECTION_URLS,
    }


def _edited(spec: ArticleSpec, now: datetime) -> ArticleSpec:
    blocks = (*spec.body_blocks, (PARAGRAPH, "Mise à jour : le scrutin est reporté."))
    return dataclasses.replace(spec, body_blocks=blocks,
                               modified_at=(now + timedelta(minutes=2)).replace(microsecond=0))


def test_an_incremental_run_skips_the_sitemaps_that_did_not_change(
    clean_pg_db_url: str,
) -> None:
    days = 365
    edited = next(s for s in ARTICLES if s.in_sitemap and s.twin_path is None)
    with serve(sitemaps=SitemapStyle(gzip=True, archive_days=days)) as site:
        first = scrapy_crawl(site.base_url, clean_pg_db_url, settings=SITEMAPS_ONLY)
        assert first.returncode == 0, first.stderr[-3000:]
        first_sitemaps = [r.path for r in site.requests if r.path.startswith("/sitemaps/")]
        assert len(first_sitemaps) == days + 2

        now = datetime.now(UTC)
        site.set_articles([_edited(s, now) if s is edited else s for s in ARTICLES])
        site.clear_requests()
        second = scrapy_crawl(site.base_url, clean_pg_db_url, settings=SITEMAPS_ONLY)
        asked = [r.path for r in site.requests]
        assert second.returncode == 0, second.stderr[-3000:]

        # Without the incremental state, every sitemap is read again.
        site.clear_requests()
        full = scrapy_crawl(site.base_url, clean_pg_db_url,
                            settings={**SITEMAPS_ONLY, "RTL_INCREMENTAL": "False"})
        assert full.returncode == 0, full.stderr[-3000:]
        assert len([r for r in site.requests if r.path.startswith("/sitemaps/")]) == days + 2

    # Read again: the index, the sitemaps whose lastmod moved (the news sitemap and the
    # sections one carry the site's newest change), and the archive of the edited
    # article's day. The 364 other archives were last changed in 2019: not asked for.
    assert sorted(p for p in asked if p.startswith("/sitemap")) == sorted([
        "/sitemap.xml", NEWS_GZ_PATH, "/sitemaps/sections.xml",
        archive_path(paris_day(edited.published_at)),
    ])  # fmt: skip
    assert edited.path in asked
    stats = _stats(clean_pg_db_url, 2)
    assert stats["sitemap/skipped_unchanged"] == days - 1
    assert stats["sitemap/read"] == 4
    assert query(
        clean_pg_db_url,
        "SELECT a.version FROM articles a WHERE a.article_id = :id", id=edited.article_id,
    ) == [(2,)]


# --- The walk: one sitemap at a time ------------------------------------------------------


def _walk_spider(**settings: str) -> RtlSpider:
    """The spider as ``scrapy crawl rtl`` makes it, without a database (not incremental)."""
    project = {name: value for name, value in vars(crawler_settings).items() if name.isupper()}
    crawler = get_crawler(RtlSpider, {**project, "RTL_BASE_URL": BASE,
                                      "RTL_INCREMENTAL": "False", **settings})  # fmt: skip
    crawler._apply_settings()
    return RtlSpider.from_crawler(crawler)


def _index(*paths: str) -> bytes:
    entries = "".join(f"<sitemap><loc>{BASE}{path}</loc></sitemap>" for path in paths)
    return f'<sitemapindex xmlns="{SM}">{entries}</sitemapindex>'.encode()


def _urlset(*ids: int) -> bytes:
    entries = "".join(f"<url><loc>{BASE}/actu/international/a-{n}</loc></url>" for n in ids)
    return f'<urlset xmlns="{SM}">{entries}</urlset>'.encode()


def _answer(request: Any, body: bytes) -> XmlResponse:
    return XmlResponse(request.url, body=body, request=request)


def test_the_sitemaps_are_asked_for_one_after_another() -> None:
    spider = _walk_spider()
    robots = "".join(f"Sitemap: {BASE}{path}\n" for path in ("/sitemap.xml", "/news.xml",
                                                               "/sitemap.xml"))  # fmt: skip

    [index] = spider.parse_robots(TextResponse(BASE + "/robots.txt", body=robots.encode()))
    assert (index.url, index.priority) == (BASE + "/sitemap.xml", -1)
    # The index's sitemaps wait for robots.txt's second one; nothing is asked for meanwhile.
    [news] = spider.parse_sitemap(_answer(index, _index("/a.xml", "/news.xml", "/b.xml")))
    assert news.url == BASE + "/news.xml"
    # A urlset: its articles first, then the next sitemap, below them.
    *articles, a = spider.parse_sitemap(_answer(news, _urlset(1_000_000_001, 1_000_000_002)))
    assert [r.url.rsplit("-", 1)[1] for r in articles] == ["1000000001", "1000000002"]
    assert all(r.callback == spider.parse_article and r.priority == 0 for r in articles)
    assert (a.url, a.priority, a.callback) == (BASE + "/a.xml", -1, spider.parse_sitemap)
    # No other sitemap is asked for while one is read, whatever else the spider does.
    assert list(spider.sitemaps.next_requests()) == []
    # A failure moves on too; /news.xml, listed twice, was asked for once.
    failure = Failure(HttpError(Response(a.url, status=404, request=a), "404"))
    failure.request = a
    [b] = spider.sitemap_failed(failure)
    assert b.url == BASE + "/b.xml"
    # The walk is over: nothing left to resume when the spider goes idle.
    assert list(spider.parse_sitemap(_answer(b, b"not a sitemap"))) == []
    assert spider.sitemaps.resume() == []
    assert spider.crawler.stats.get_value("sitemap/read") == 2
    assert spider.crawler.stats.get_value("sitemap/not_read") == 2


def test_a_stalled_walk_resumes_when_the_spider_is_idle() -> None:
    spider = _walk_spider()
    spider.sitemaps.add([BASE + "/a.xml", BASE + "/b.xml"])
    [a] = spider.sitemaps.next_requests()
    # /a.xml's answer never reaches the spider (say a redirect to a sitemap already read).
    assert list(spider.sitemaps.next_requests()) == []
    [b] = spider.sitemaps.resume()
    assert (a.url, b.url) == (BASE + "/a.xml", BASE + "/b.xml")
    assert spider.sitemaps.resume() == []


def test_a_distributed_walk_asks_for_every_sitemap_at_once() -> None:
    # Another worker may read the sitemap asked for, and the queue is in Redis.
    spider = _walk_spider(REDIS_URL="redis://127.0.0.1:6379/0")
    spider.sitemaps.add([BASE + "/a.xml", BASE + "/b.xml", BASE + "/a.xml"])
    assert [r.url for r in spider.sitemaps.next_requests()] == [BASE + "/a.xml", BASE + "/b.xml"]
