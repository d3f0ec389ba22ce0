"""Scrapy's core stats, quiet when a crawl stops before it opened.

When an item pipeline fails in ``open_spider`` (database unreachable, another run holds
the lock), Scrapy still sends ``spider_closed`` without having sent ``spider_opened``, and
its ``CoreStats`` fails an assertion there: a traceback in every such log, next to the
real, clear message. Cron mails would be full of it on each overlapping run.
"""

from __future__ import annotations

from scrapy import Spider
from scrapy.extensions.corestats import CoreStats as ScrapyCoreStats


class CoreStats(ScrapyCoreStats):
    """``scrapy.extensions.corestats.CoreStats`` that records only the finish reason of
    a crawl that never opened."""

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.start_time is None:
            self.stats.set_value("finish_reason", reason)
            return
        super().spider_closed(spider, reason)
