"""Decide whether a cleaned article is worth storing; otherwise record why not.

Runs after ``pipelines.clean``: dates are aware datetimes by then (a string left in a
date field is still parsed here, so the check does not depend on the order).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.items import ArticleItem, RejectedPageItem
from crawler.parsing.dates import is_plausible, parse_date
from crawler.parsing.soft_errors import BOT_CHALLENGE, SOFT_404, title_problem

DESCRIPTIONS = {
    SOFT_404: 'the headline is a "page not found" message',
    BOT_CHALLENGE: "the headline is an anti-bot challenge or block page",
    "missing_url": "no URL",
    "missing_title": "no headline found",
    "missing_body": "no body text found",
    "missing_published_at": "no readable publication date",
    "implausible_published_at": "publication date before 1990 or more than 2 days ahead",
}


def _present(value: Any) -> bool:
    return bool(value.strip()) if isinstance(value, str) else bool(value)


def validate_article(item: ArticleItem, now: datetime | None = None) -> list[str]:
    """Problem codes of an article, most basic first; empty when it may be stored.

    ``now`` (aware; default: the current time) is the reference for future dates.
    """
    problems = []
    # The crawl rejects such pages before parsing them (crawler.parsing.page); this catches
    # items that reach the pipeline another way, and comes first because it explains the
    # missing fields that usually follow.
    if item.title and (soft_error := title_problem(item.title)):
        problems.append(soft_error.reason)
    if not _present(item.url):
        problems.append("missing_url")
    if not _present(item.title):
        problems.append("missing_title")
    if not (_present(item.body) or any(_present(b.get("text")) for b in item.body_blocks)):
        problems.append("missing_body")
    published = parse_date(item.published_at)
    if published is None:
        problems.append("missing_published_at")
    elif not is_plausible(published, parse_date(now)):
        problems.append("implausible_published_at")
    return problems


def describe(problems: list[str]) -> str:
    """Human-readable detail for a list of problem codes."""
    return "; ".join(f"{code}: {DESCRIPTIONS.get(code, code)}" for code in problems)


class ValidatePipeline:
    """Pass valid articles on; replace the others with a ``RejectedPageItem``.

    Stats: ``validate/accepted``, ``validate/rejected`` and
    ``validate/rejected/<reason>`` (the first problem code).
    """

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        if item.not_modified:
            # A 304 carries only new comments; the stored article was validated before.
            return item
        problems = validate_article(item)
        if not problems:
            self.stats.inc_value("validate/accepted")
            return item
        reason = problems[0]
        self.stats.inc_value("validate/rejected")
        self.stats.inc_value(f"validate/rejected/{reason}")
        return RejectedPageItem(
            url=item.url or item.canonical_url or "", reason=reason, detail=describe(problems)
        )
