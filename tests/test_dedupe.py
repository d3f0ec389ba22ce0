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


POLITIQUE = f"{BASE}/politique/a-7797504917"
INTERNATIONAL = f"{BASE}/international/a-7797504917"


def read(pipeline: DedupePipeline, url: str, section: str, **fields: object) -> ArticleItem:
    item = article(url, section)
    item.etag, item.http_last_modified = f'"{section}"', "Wed, 24 Jul 2019 17:05:00 GMT"
    for name, value in fields.items():
        setattr(item, name, value)
    return pipeline.process_item(item)


@pytest.mark.parametrize("order", ["international first", "politique first"])
def test_two_pages_of_one_article_give_it_the_same_address_in_either_order(
    order: str,
) -> None:
    crawler = get_crawler()
    pipeline = DedupePipeline.from_crawler(crawler)
    crawler.stats.open_spider()
    comment = {"comment_id": "1", "author": "Jean", "text": "Bien vu.", "posted_at": None}
    pages = [(INTERNATIONAL, "international"), (POLITIQUE, "politique")]
    if order == "politique first":
        pages.reverse()
    first = read(pipeline, *pages[0])
    second = read(pipeline, *pages[1], comments=[comment, comment])
    # Both canonical to themselves: the smaller canonical URL is the address.
    assert (second.url, second.canonical_url, second.section) == (
        INTERNATIONAL, INTERNATIONAL, "international",
    )
    if order == "international first":
        # The page read second is the alias, and its validators are not the address's.
        assert second.aliases == [POLITIQUE]
        assert (second.etag, second.http_last_modified) == (None, None)
    else:
        # The page read second is the address: the first becomes its alias.
        assert first.url == POLITIQUE
        assert second.aliases == [INTERNATIONAL, POLITIQUE]
        assert second.etag == '"international"'
    assert [c["comment_id"] for c in second.comments] == ["1"]
    assert crawler.stats.get_value("dedupe/articles_merged") == 1
    assert crawler.stats.get_value("dedupe/comments_seen_twice") == 1
    # A third read of either page takes the address chosen.
    third = read(pipeline, POLITIQUE, "politique")
    assert (third.url, third.section) == (INTERNATIONAL, "international")


def test_a_page_at_its_own_canonical_address_is_the_address() -> None:
    pipeline = DedupePipeline.from_crawler(get_crawler())
    # An AMP page canonical to the article (its canonical URL sorts first, but it is not
    # at that address) comes first; then the article itself.
    amp = read(pipeline, f"{BASE}/amp/politique/a-7797504917", "politique",
               canonical_url=f"{BASE}/amp-canonical/a-7797504917")  # fmt: skip
    page = read(pipeline, POLITIQUE, "politique")
    assert amp.url == f"{BASE}/amp/politique/a-7797504917"
    assert (page.url, page.canonical_url) == (POLITIQUE, POLITIQUE)


def test_the_record_of_an_article_keeps_one_string_for_its_url_and_canonical_url() -> None:
    # The record lives for the whole crawl: at 50,000 articles the two equal strings
    # were a tenth of the crawl's growth in memory.
    pipeline = DedupePipeline.from_crawler(get_crawler())
    item = article(f"{BASE}/politique/a-7797504917", "politique")
    item.canonical_url = str(item.url[:-1]) + item.url[-1]  # equal, another object
    pipeline.process_item(item)
    ((url, canonical, _section),) = pipeline.seen.values()
    assert canonical is url
