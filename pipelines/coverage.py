"""Extraction coverage of a run: how each field of the article pages was filled.

Two pipelines count into the stats collector:

- :class:`FieldCoveragePipeline`, between cleaning and validation, counts for every article
  page parsed this run the coverage category of each field's extraction method
  (``coverage/fields/<field>/<category>``) and the pages parsed (``coverage/parsed``). It
  counts before validation on purpose: validation refuses a page without a required
  field, so among stored articles the empty share of a required field would always be
  0, and a layout change that gets every page refused would leave nothing to count.
- :class:`PageCoveragePipeline`, after storage, counts what each article page read came
  to: a stored article (``coverage/articles``), a refused page by reason
  (``coverage/rejected/<reason>``), or a 304 answer (``coverage/not_modified``), which was
  not read again and counts nowhere else.

:func:`coverage_summary` turns those counts into the shares stored in
``crawl_runs.coverage``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler import outcomes
from crawler.items import ArticleItem, RejectedPageItem

#: Every field the parser fills, in the item's order.
FIELDS = (
    "canonical_url",
    "article_id",
    "section",
    "title",
    "lead",
    "authors",
    "co_credit",
    "published_at",
    "modified_at",
    "reading_time_minutes",
    "tags",
    "keywords",
    "image",
    "body",
    "related_urls",
    "language",
)
#: Fields without which a page is refused (pipelines.validate).
REQUIRED_FIELDS = ("title", "published_at", "body")
#: Coverage categories, site layout first, then the fallbacks in the parser's order.
CATEGORIES = ("site", "json_ld", "open_graph", "meta", "generic", "empty")
#: A method this module does not know (a parser newer than it): filled, source unknown.
OTHER = "other"
#: The RTL template's method name before site layouts were versioned (``site:rtl/...``).
LEGACY_SITE_METHODS = frozenset({"rtl_template"})

PARSED_KEY = "coverage/parsed"
ARTICLES_KEY = "coverage/articles"
NOT_MODIFIED_KEY = "coverage/not_modified"
FIELDS_PREFIX = "coverage/fields/"
REJECTED_PREFIX = "coverage/rejected/"
#: Set by pipelines.alarms when the run's coverage raised an alarm: the alarm's text (the
#: key is the crawler's, which reads it for the exit status).
ALARM_KEY = outcomes.ALARM_KEY


def category(method: str | None) -> str:
    """The coverage category of an extraction method (``None`` or ``""``: ``empty``)."""
    if not method:
        return "empty"
    if method.startswith("site:") or method in LEGACY_SITE_METHODS:
        return "site"
    if method in CATEGORIES:
        return method
    return OTHER


def field_categories(item: ArticleItem) -> dict[str, str]:
    """The coverage category of each of :data:`FIELDS` in ``item``."""
    extraction = item.extraction or {}
    return {name: category(extraction.get(name)) for name in FIELDS}


class FieldCoveragePipeline:
    """Count how each field of each parsed article page was filled; pass items on."""

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FieldCoveragePipeline:
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        # A 304 answer carries no extraction: the page was not read again.
        if isinstance(item, ArticleItem) and not item.not_modified:
            self.stats.inc_value(PARSED_KEY)
            for name, kind in field_categories(item).items():
                self.stats.inc_value(f"{FIELDS_PREFIX}{name}/{kind}")
        return item


class PageCoveragePipeline:
    """Count what each article page read came to: stored, refused by reason, or a 304."""

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PageCoveragePipeline:
        return cls(crawler.stats)

    def open_spider(self) -> None:
        # Zeros up front, so that a run that read nothing still has a summary.
        for key in (PARSED_KEY, ARTICLES_KEY, NOT_MODIFIED_KEY):
            self.stats.inc_value(key, 0)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ArticleItem):
            self.stats.inc_value(NOT_MODIFIED_KEY if item.not_modified else ARTICLES_KEY)
        elif isinstance(item, RejectedPageItem):
            self.stats.inc_value(f"{REJECTED_PREFIX}{item.reason}")
        return item


def _share(count: int, total: int) -> float:
    return round(count / total, 4) if total else 0.0


def coverage_summary(stats: Mapping[str, Any]) -> dict[str, Any] | None:
    """The run's coverage from its stats, as stored in ``crawl_runs.coverage``.

    ``pages`` are the article pages read (stored or refused; 304 answers are counted
    apart, as ``not_modified``), ``parsed`` those read as articles, the base of the field
    shares: ``fields`` maps each field to ``{category: share}`` with every category of
    :data:`CATEGORIES` (plus ``other`` when a method was not known), empty when no page
    was parsed. Shares are rounded to 4 places. ``None`` when the stats hold no coverage
    counts (the coverage pipelines were not enabled).
    """
    if not any(key.startswith("coverage/") for key in stats):
        return None
    parsed = int(stats.get(PARSED_KEY, 0))
    articles = int(stats.get(ARTICLES_KEY, 0))
    rejected_by_reason = {
        key.removeprefix(REJECTED_PREFIX): int(value)
        for key, value in sorted(stats.items())
        if key.startswith(REJECTED_PREFIX) and value
    }
    rejected = sum(rejected_by_reason.values())
    pages = articles + rejected
    counts: dict[str, dict[str, int]] = {}
    for key, value in stats.items():
        if key.startswith(FIELDS_PREFIX):
            name, _, kind = key.removeprefix(FIELDS_PREFIX).partition("/")
            counts.setdefault(name, {})[kind] = int(value)
    fields: dict[str, dict[str, float]] = {}
    if parsed:
        for name in FIELDS:
            by_kind = counts.get(name, {})
            kinds = [*CATEGORIES, *sorted(set(by_kind) - set(CATEGORIES))]
            fields[name] = {kind: _share(by_kind.get(kind, 0), parsed) for kind in kinds}
    return {
        "pages": pages,
        "parsed": parsed,
        "articles": articles,
        "not_modified": int(stats.get(NOT_MODIFIED_KEY, 0)),
        "rejected": rejected,
        "rejected_share": _share(rejected, pages),
        "rejected_by_reason": rejected_by_reason,
        "fields": fields,
    }
