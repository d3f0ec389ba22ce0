"""The floor of ``benchmarks.bench``: what fetching the pages costs, with nothing else.

A spider that fetches a list of article and comment pages (one URL a line, the file named
by the ``FLOOR_URLS_FILE`` setting) with the project's download settings and reads only
each page's ``h1``: Scrapy, the download and one HTML parse per page, no parsing of
fields, no item pipelines, no database. Run as::

    scrapy runspider benchmarks/floor.py -s FLOOR_URLS_FILE=urls.txt -s FLOOR_STATS_FILE=out.json

When the engine stops, :class:`StatsFile` writes Scrapy's final stats as JSON to
``FLOOR_STATS_FILE``, so the benchmark reads the same counters for both crawls.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response, TextResponse

from pipelines.runs import json_safe


class StatsFile:
    """Write the crawl's final stats to ``FLOOR_STATS_FILE`` when the engine stops."""

    def __init__(self, crawler: Crawler, path: str) -> None:
        self.crawler = crawler
        self.path = Path(path)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StatsFile:
        path = crawler.settings.get("FLOOR_STATS_FILE")
        if not path:
            raise NotConfigured("FLOOR_STATS_FILE is not set")
        extension = cls(crawler, path)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def engine_stopped(self) -> None:
        stats = self.crawler.stats.get_stats()
        self.path.write_text(json.dumps({k: json_safe(v) for k, v in stats.items()}))


class FloorSpider(scrapy.Spider):
    """Fetch every URL of ``FLOOR_URLS_FILE`` and read its ``h1``."""

    name = "floor"
    custom_settings = {
        # No pipeline: nothing is stored, no database is opened.
        "ITEM_PIPELINES": {},
        "EXTENSIONS": {
            "scrapy.extensions.corestats.CoreStats": None,
            "crawler.corestats.CoreStats": 0,
            "benchmarks.floor.StatsFile": 900,
        },
    }

    async def start(self) -> AsyncIterator[scrapy.Request]:
        path = self.settings.get("FLOOR_URLS_FILE")
        if not path:
            raise ValueError("FLOOR_URLS_FILE is not set")
        with open(path, encoding="utf-8") as urls:
            for line in urls:
                if line.strip():
                    yield scrapy.Request(line.strip(), callback=self.parse)

    def parse(self, response: Response, **kwargs: Any) -> None:
        # Comment fragments have no h1: the parse is what costs, not the answer.
        if isinstance(response, TextResponse) and response.css("h1::text").get() is not None:
            self.crawler.stats.inc_value("floor/h1")
