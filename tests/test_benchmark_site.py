"""The load benchmark's generated site: every article reachable once, pages the parsers read.

Pure functions, and the site served once over HTTP (no crawl): the benchmark itself is a
command, ``python -m benchmarks.load``, not a test.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from benchmarks.generated_site import FIRST_ID, LONG_THREAD, GeneratedSite, article_spec
from benchmarks.load import checkpoints, process_memory_kb
from crawler.parsing.article import parse_article
from crawler.parsing.comments import parse_comments
from crawler.parsing.urls import is_article_url
from sample_site.model import CommentSpec

BASE = "http://127.0.0.1:8999"
ROOT = Path(__file__).resolve().parent.parent


def _response(site: GeneratedSite, target: str) -> HtmlResponse:
    page = site.get(target)
    assert page.status == 200, target
    return HtmlResponse(url=BASE + target, body=page.body,
                        headers={"Content-Type": page.content_type})  # fmt: skip


def _count(comments: tuple[CommentSpec, ...]) -> int:
    return sum(1 + _count(c.replies) for c in comments)


def test_the_sitemaps_announce_every_article_once() -> None:
    site = GeneratedSite(BASE, 2_345)
    index = site.get("/sitemap.xml").body.decode()
    chunks = re.findall(r"<loc>[^<]*(/sitemaps/news-\d+\.xml)</loc>", index)
    assert len(chunks) == 3
    urls = [
        url
        for chunk in chunks
        for url in re.findall(r"<loc>([^<]+)</loc>", site.get(chunk).body.decode())
    ]
    assert len(urls) == len(set(urls)) == 2_345
    assert all(is_article_url(url) for url in urls)
    assert {int(url[-10:]) - FIRST_ID for url in urls} == set(range(2_345))
    assert site.get("/sitemaps/news-3.xml").status == 404


def test_articles_are_stable_distinct_and_parse_as_specified() -> None:
    site = GeneratedSite(BASE, 50)
    assert article_spec(9) == article_spec(9)
    bodies = {article_spec(i).body_blocks for i in range(50)}
    assert len(bodies) == 50

    spec = article_spec(9)  # every tenth article: two comment pages
    item = parse_article(_response(site, spec.path), base_url=BASE)
    assert (item.article_id, item.title) == (spec.article_id, spec.title)
    assert datetime.fromisoformat(str(item.published_at)) == spec.published_at
    first = parse_comments(_response(site, spec.path + "/commentaires"))
    assert first.next_url is not None
    second = parse_comments(_response(site, spec.path + "/commentaires?page=2"))
    assert second.next_url is None
    ids = {c["comment_id"] for c in first.comments + second.comments}
    assert len(ids) == _count(spec.comments) and len(spec.comments) == LONG_THREAD


def test_unknown_pages_are_404_and_listings_are_bounded() -> None:
    site = GeneratedSite(BASE, 300)
    spec = article_spec(12)
    for target in (
        "/nope",
        spec.path.replace(spec.slug, "autre-titre"),
        f"/actu/sport/x-{FIRST_ID + 300}",
        spec.path + "/commentaires?page=9",
        "/actu/inconnue",
        "/actu/sport?page=99",
    ):
        assert site.get(target).status == 404, target
    assert site.get(spec.path + "?utm_source=rss").status == 200
    assert site.get("/actu/sport?page=10").status == 200


def test_checkpoints_and_memory_sampling() -> None:
    assert checkpoints(10_000, 1_000) == list(range(1_000, 10_001, 1_000))
    assert checkpoints(2_500, 1_000) == [1_000, 2_000, 2_500]
    assert checkpoints(300, 1_000) == [300]
    rss, hwm = process_memory_kb(os.getpid()) or (0, 0)
    assert 0 < rss <= hwm
    assert process_memory_kb(2**22 + 1) is None


def test_the_site_command_serves_pages_and_answers_conditional_requests() -> None:
    # As the benchmark runs it: a child process that prints its base URL.
    site = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.generated_site", "--articles", "3"],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    try:
        assert site.stdout is not None
        base = site.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", base)
        target = article_spec(0).path
        with urllib.request.urlopen(base + target, timeout=10) as answer:
            etag = answer.headers["ETag"]
            assert (answer.status, answer.headers["Server"].split()[0]) == (200, "GeneratedRTL/1.0")
            assert parse_article(HtmlResponse(url=base + target, body=answer.read())).title
        again = urllib.request.Request(base + target, headers={"If-None-Match": etag})
        with pytest.raises(urllib.error.HTTPError) as not_modified:
            urllib.request.urlopen(again, timeout=10)
        assert not_modified.value.code == 304
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(base + "/nulle-part", timeout=10)
        assert missing.value.code == 404
    finally:
        site.terminate()
        assert site.wait(timeout=10) == 0
