"""Coverage alarms: checks of a run's extraction coverage, declared in :data:`CHECKS`.

When a run ends, :class:`CoverageAlarmPipeline` summarizes its coverage
(``pipelines.coverage``) and runs every check against it and against the recent healthy
runs of the same job. When any check fails, it logs one ERROR line starting
``Extraction alarm:`` that names the fields, methods and numbers, and puts the text after
that prefix in the stats (``coverage/alarm``): ``pipelines.runs`` stores it in
``crawl_runs.alarm`` and ``scrapy crawl`` exits with status 65 (``crawler.exitcodes``).

No check runs on a run that read fewer than ``COVERAGE_MIN_ARTICLES`` article pages: the
shares of a handful of pages say nothing.
"""

from __future__ import annotations

import logging
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector
from sqlalchemy.exc import SQLAlchemyError

from crawler.config import database_url
from pipelines.coverage import ALARM_KEY, CATEGORIES, REQUIRED_FIELDS, coverage_summary
from pipelines.runs import recent_coverage
from schemas.engine import create_engine, error_text

logger = logging.getLogger(__name__)

#: A run's coverage as ``coverage_summary`` gives it (and ``crawl_runs.coverage`` holds it).
Summary = Mapping[str, Any]


@dataclass(frozen=True)
class Thresholds:
    """The limits the checks apply; each is a setting (crawler/settings.py)."""

    #: COVERAGE_MIN_ARTICLES: fewer article pages read than this, no check runs.
    min_pages: int = 10
    #: COVERAGE_HISTORY_RUNS: recent healthy runs the site-layout share is compared with.
    history_runs: int = 5
    #: COVERAGE_SITE_DROP: largest fall of a required field's site-layout share (0..1,
    #: absolute) against the median of the recent runs.
    site_drop: float = 0.5
    #: COVERAGE_EMPTY_MAX: largest share of parsed pages on which a required field is empty.
    empty_max: float = 0.2
    #: COVERAGE_REJECTED_MAX: largest share of the article pages read that may be refused.
    rejected_max: float = 0.5

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Thresholds:
        return cls(
            min_pages=settings.getint("COVERAGE_MIN_ARTICLES", cls.min_pages),
            history_runs=settings.getint("COVERAGE_HISTORY_RUNS", cls.history_runs),
            site_drop=settings.getfloat("COVERAGE_SITE_DROP", cls.site_drop),
            empty_max=settings.getfloat("COVERAGE_EMPTY_MAX", cls.empty_max),
            rejected_max=settings.getfloat("COVERAGE_REJECTED_MAX", cls.rejected_max),
        )


def _percent(share: float) -> str:
    return f"{share:.0%}"


def _count(share: float, total: int) -> int:
    # Shares are stored rounded to 4 places: exact back to the count below 10,000 pages.
    return round(share * total)


def _others(shares: Mapping[str, float]) -> str:
    """The categories other than the site layout that filled the field, largest first."""
    order = {kind: position for position, kind in enumerate(CATEGORIES)}
    filled = [(kind, share) for kind, share in shares.items() if kind != "site" and share > 0]
    filled.sort(key=lambda pair: (-pair[1], order.get(pair[0], len(order))))
    return ", ".join(f"{kind} {_percent(share)}" for kind, share in filled) or "nothing else"


def site_drop(summary: Summary, history: Sequence[Summary], limits: Thresholds) -> list[str]:
    """A required field's site-layout share fell by more than ``site_drop`` against the
    median of the recent runs that parsed enough pages."""
    parsed = summary["parsed"]
    recent = [run for run in history if run.get("parsed", 0) >= limits.min_pages]
    if parsed < limits.min_pages or not recent:
        return []
    findings = []
    for name in REQUIRED_FIELDS:
        shares = summary["fields"].get(name, {})
        now = shares.get("site", 0.0)
        before = statistics.median(
            run.get("fields", {}).get(name, {}).get("site", 0.0) for run in recent
        )
        if before - now > limits.site_drop:
            findings.append(
                f"{name} from the site layout on {_percent(now)} of {parsed} article pages "
                f"(recent runs: {_percent(before)}; this run: {_others(shares)})"
            )
    return findings


def empty_required(summary: Summary, history: Sequence[Summary], limits: Thresholds) -> list[str]:
    """A required field is empty on more than ``empty_max`` of the parsed pages."""
    parsed = summary["parsed"]
    if parsed < limits.min_pages:
        return []
    findings = []
    for name in REQUIRED_FIELDS:
        share = summary["fields"].get(name, {}).get("empty", 0.0)
        if share > limits.empty_max:
            findings.append(
                f"{name} empty on {_count(share, parsed)} of {parsed} article pages "
                f"({_percent(share)}; at most {_percent(limits.empty_max)} allowed)"
            )
    return findings


def rejected_pages(summary: Summary, history: Sequence[Summary], limits: Thresholds) -> list[str]:
    """More than ``rejected_max`` of the article pages read were refused."""
    pages, rejected = summary["pages"], summary["rejected"]
    if pages < limits.min_pages or summary["rejected_share"] <= limits.rejected_max:
        return []
    reasons = sorted(summary["rejected_by_reason"].items(), key=lambda pair: (-pair[1], pair[0]))
    listed = ", ".join(f"{reason}: {count}" for reason, count in reasons)
    return [
        f"{rejected} of {pages} article pages rejected ({listed}; "
        f"at most {_percent(limits.rejected_max)} allowed)"
    ]


@dataclass(frozen=True)
class Check:
    name: str
    run: Callable[[Summary, Sequence[Summary], Thresholds], list[str]]


#: Every check, in the order its findings are reported.
CHECKS: tuple[Check, ...] = (
    Check("site_drop", site_drop),
    Check("empty_required", empty_required),
    Check("rejected_pages", rejected_pages),
)


def evaluate(
    summary: Summary | None,
    history: Sequence[Summary],
    limits: Thresholds,
    checks: Sequence[Check] = CHECKS,
) -> list[str]:
    """The findings of every check, each a sentence; empty when the run is healthy.

    ``history`` holds the coverage of the job's recent healthy runs, newest first.
    """
    if summary is None or summary["pages"] < limits.min_pages:
        return []
    return [finding for check in checks for finding in check.run(summary, history, limits)]


class CoverageAlarmPipeline:
    """Raise the extraction alarm at the end of a run whose coverage collapsed.

    Runs after the store pipeline: when it opens, the run is recorded in ``crawl_runs``
    (``run/id`` in the stats), so the recent runs of the same job can be read; when it
    closes (before the spider_closed signal, when the store pipeline writes the run's
    end), every item has been counted.
    """

    def __init__(self, stats: StatsCollector, limits: Thresholds, url: str) -> None:
        self.stats = stats
        self.limits = limits
        self.url = url
        self.history: list[dict[str, Any]] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CoverageAlarmPipeline:
        settings = crawler.settings
        return cls(crawler.stats, Thresholds.from_settings(settings), database_url(settings))

    def open_spider(self) -> None:
        run_id = self.stats.get_value("run/id")
        if run_id is None:
            return
        engine = create_engine(self.url)
        try:
            self.history = recent_coverage(
                engine, run_id, self.limits.history_runs, self.limits.min_pages
            )
        except SQLAlchemyError as exc:
            # The other checks need no history; the site-layout one is skipped this run.
            logger.warning("Could not read the recent runs' coverage: %s",
                           error_text(exc, self.url))  # fmt: skip
        finally:
            engine.dispose()

    def process_item(self, item: Any) -> Any:
        return item

    def close_spider(self) -> None:
        summary = coverage_summary(self.stats.get_stats())
        findings = evaluate(summary, self.history, self.limits)
        if findings:
            alarm = "; ".join(findings)
            self.stats.set_value(ALARM_KEY, alarm)
            logger.error("Extraction alarm: %s", alarm)
