"""The dedupe pipeline: one article per identity within a crawl, a small record each."""

from __future__ import annotations

import pytest
from scrapy.utils.test import get_crawler

from crawler.items import ArticleItem
from pipelines.dedupe import DedupePipeline

pytestmark = pytest.mark.unit

BASE = "https://www.rtl.fr/actu"


def article(url: str, section: str, comments: list[dict] | None = None) -> ArticleItem:
    return ArticleItem(
        url=url, canonical_url=url, article_id="7797504917", section=section, site="rtl",
        aliases=[url], comments=comments or [],
    )  # fmt: skip


def test_a_second_page_of_one_article_becomes_an_alias_of_the_first() -> None:
    crawler = get_crawler()
    pipeline = DedupePipeline.from_crawler(crawler)
    crawler.stats.open_spider()
    comment = {"comment_id": "1", "author": "Jean", "text": "Bien vu.", "posted_at": None}
    first = pipeline.process_item(article(f"{BASE}/politique/a-7797504917", "politique"))
    second = pipeline.process_item(
        article(f"{BASE}/international/a-7797504917", "international", [comment, comment])
    )
    assert first.url == second.url == f"{BASE}/politique/a-7797504917"
    assert second.canonical_url == f"{BASE}/politique/a-7797504917"
    assert second.section == "politique"
    assert second.aliases == [f"{BASE}/international/a-7797504917"]
    assert [c["comment_id"] for c in second.comments] == ["1"]
    assert crawler.stats.get_value("dedupe/articles_merged") == 1
    assert crawler.stats.get_value("dedupe/comments_seen_twice") == 1


def test_the_record_of_an_article_keeps_one_string_for_its_url_and_canonical_url() -> None:
    # The record lives for the whole crawl: at 50,000 articles the two equal strings
    # were a tenth of the crawl's growth in memory.
    pipeline = DedupePipeline.from_crawler(get_crawler())
    item = article(f"{BASE}/politique/a-7797504917", "politique")
    item.canonical_url = str(item.url[:-1]) + item.url[-1]  # equal, another object
    pipeline.process_item(item)
    ((url, canonical, _section),) = pipeline.seen.values()
    assert canonical is url
