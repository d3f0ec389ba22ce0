"""Pages parsed in the spider's parse thread (``PARSE_THREADS``) give the same items as
pages parsed in the reactor thread, and the parse does run there."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

import crawler.spiders.site as site_module
from crawler import settings
from crawler.items import ArticleItem
from crawler.spiders.sites import RtlSpider

pytestmark = pytest.mark.unit

PAGES = Path(__file__).parent / "fixtures" / "pages"
URL = (
    "https://www.rtl.fr/actu/international/"
    "kim-jong-un-en-russie-pour-son-premier-sommet-avec-poutine-7797504917"
)


def spider_with(threads: int) -> RtlSpider:
    project = {name: getattr(settings, name) for name in dir(settings) if name.isupper()}
    crawler = get_crawler(
        RtlSpider,
        {**project, "PARSE_THREADS": threads, "RTL_BASE_URL": "https://www.rtl.fr"},
    )
    return crawler._create_spider()


def page(name: str, url: str) -> HtmlResponse:
    return HtmlResponse(
        url, body=(PAGES / name).read_bytes(), request=Request(url),
        headers={"Content-Type": "text/html; charset=utf-8"},
    )  # fmt: skip


async def collect(outputs: Any) -> list[Any]:
    return [output async for output in outputs]


def crawl_one(spider: RtlSpider, monkeypatch: pytest.MonkeyPatch) -> tuple[ArticleItem, set]:
    """The article of the seed page with its two comment pages, as the spider hands it
    on; and the names of the threads the parsers ran in."""
    threads: set[str] = set()

    def recorded(parse: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            threads.add(threading.current_thread().name)
            return parse(*args, **kwargs)

        return wrapper

    with monkeypatch.context() as patch:
        patch.setattr(site_module, "parse_page", recorded(site_module.parse_page))
        patch.setattr(site_module, "parse_comments", recorded(site_module.parse_comments))
        return _crawl_one(spider), threads


def _crawl_one(spider: RtlSpider) -> ArticleItem:

    async def run() -> ArticleItem:
        (request,) = await collect(spider.parse_article(page("rtl_2019_seed.html", URL)))
        item, number = request.cb_kwargs["item"], 1
        for name in ("rtl_2019_seed_comments_p1.html", "rtl_2019_seed_comments_p2.html"):
            response = page(name, f"{URL}/commentaires?page={number}")
            (output,) = await collect(spider.parse_comments(response, item, number))
            number += 1
        return output if isinstance(output, ArticleItem) else item

    try:
        return asyncio.run(run())
    finally:
        spider.closed("finished")


def test_a_page_parsed_in_the_parse_thread_gives_the_same_item(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    threaded, threaded_in = crawl_one(spider_with(1), monkeypatch)
    inline, inline_in = crawl_one(spider_with(0), monkeypatch)
    assert {name.split("_")[0] for name in threaded_in} == {"parse"}
    assert inline_in == {threading.current_thread().name}
    assert threaded == inline
    assert threaded.title == "Kim Jong-Un en Russie pour son premier sommet avec Poutine"
    # Both pages' comments as read, the one on both pages twice (the pipelines merge it).
    assert [c["comment_id"] for c in threaded.comments] == [
        "8801234", "8801250", "8801262", "8801190", "8801190", "8801101", "8801095",
    ]


def test_the_parse_threads_stop_with_the_spider() -> None:
    spider = spider_with(2)
    pool = spider.parse_pool
    assert pool is not None
    spider.closed("finished")
    with pytest.raises(RuntimeError):
        pool.submit(print)
