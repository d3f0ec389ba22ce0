"""Coverage counting, the coverage checks and the run history they read, in process."""

from __future__ import annotations

import logging
import tempfile
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from crawler import exitcodes
from crawler import settings as project_settings
from crawler.items import ArticleItem, RejectedPageItem
from pipelines.alarms import CoverageAlarmPipeline, Thresholds, evaluate
from pipelines.coverage import (
    FIELDS,
    FieldCoveragePipeline,
    PageCoveragePipeline,
    category,
    coverage_summary,
)
from pipelines.runs import begin_run, finish_run, recent_coverage
from pipelines.store import StorePipeline
from pipelines.validate import ValidatePipeline
from schemas import tables as t

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
LIMITS = Thresholds()
REQUIRED = ("title", "published_at", "body")


# --- categories and counting ------------------------------------------------------------


def test_category_of_each_method() -> None:
    assert [
        category(method)
        for method in (
            "site:rtl/v2019", "site:rtl/v2021", "site:rtl", "rtl_template", "json_ld",
            "open_graph", "meta", "generic", None, "", "readability",
        )
    ] == [
        "site", "site", "site", "site", "json_ld",
        "open_graph", "meta", "generic", "empty", "empty", "other",
    ]  # fmt: skip


def _article(number: int, **extraction: str) -> ArticleItem:
    return ArticleItem(
        url=f"https://www.rtl.fr/actu/international/article-77900000{number:02d}",
        article_id=f"77900000{number:02d}",
        title=f"Titre {number}",
        body=f"Texte de l'article {number}.",
        published_at=datetime(2024, 5, 1, 10, number, tzinfo=UTC),
        extraction=extraction,
    )


def test_counts_fields_of_parsed_pages_and_what_each_page_came_to() -> None:
    crawler = get_crawler()
    fields = FieldCoveragePipeline.from_crawler(crawler)
    pages = PageCoveragePipeline.from_crawler(crawler)
    pages.open_spider()
    first = _article(1, title="site:rtl/v2019", body="site:rtl/v2019", published_at="json_ld",
                     lead="open_graph", authors="meta", image="generic")  # fmt: skip
    second = _article(2, title="rtl_template", body="generic", published_at="site:rtl/v2021",
                      article_id="site:rtl", lead="readability")  # fmt: skip
    refused = _article(3, title="open_graph")
    not_modified = ArticleItem(url="https://www.rtl.fr/actu/x-7790000004", not_modified=True)
    missing_body = RejectedPageItem(url=refused.url, reason="missing_body")
    gone = RejectedPageItem(url="https://www.rtl.fr/actu/y-7790000005", reason="http_404")

    # What reaches each pipeline: validation turned the third article into a refusal.
    for item in (first, second, refused, not_modified, gone):
        assert fields.process_item(item) is item
    for item in (first, second, not_modified, missing_body, gone):
        assert pages.process_item(item) is item

    stats = crawler.stats.get_stats()
    assert {key: value for key, value in stats.items() if key.startswith("coverage/")} == {
        "coverage/parsed": 3,
        "coverage/articles": 2,
        "coverage/not_modified": 1,
        "coverage/rejected/missing_body": 1,
        "coverage/rejected/http_404": 1,
        **{f"coverage/fields/{name}/empty": 3 for name in FIELDS if name not in (
            "title", "body", "published_at", "lead", "authors", "image", "article_id")},
        "coverage/fields/title/site": 2,
        "coverage/fields/title/open_graph": 1,
        "coverage/fields/body/site": 1,
        "coverage/fields/body/generic": 1,
        "coverage/fields/body/empty": 1,
        "coverage/fields/published_at/json_ld": 1,
        "coverage/fields/published_at/site": 1,
        "coverage/fields/published_at/empty": 1,
        "coverage/fields/lead/open_graph": 1,
        "coverage/fields/lead/other": 1,
        "coverage/fields/lead/empty": 1,
        "coverage/fields/authors/meta": 1,
        "coverage/fields/authors/empty": 2,
        "coverage/fields/image/generic": 1,
        "coverage/fields/image/empty": 2,
        "coverage/fields/article_id/site": 1,
        "coverage/fields/article_id/empty": 2,
    }  # fmt: skip

    summary = coverage_summary(stats)
    assert summary is not None
    assert {key: value for key, value in summary.items() if key != "fields"} == {
        "pages": 4,
        "parsed": 3,
        "articles": 2,
        "not_modified": 1,
        "rejected": 2,
        "rejected_share": 0.5,
        "rejected_by_reason": {"http_404": 1, "missing_body": 1},
    }
    assert list(summary["fields"]) == list(FIELDS)
    third = 0.3333
    assert summary["fields"]["title"] == {
        "site": 0.6667, "json_ld": 0.0, "open_graph": third, "meta": 0.0, "generic": 0.0,
        "empty": 0.0,
    }  # fmt: skip
    assert summary["fields"]["body"] == {
        "site": third, "json_ld": 0.0, "open_graph": 0.0, "meta": 0.0, "generic": third,
        "empty": third,
    }  # fmt: skip
    assert summary["fields"]["lead"] == {
        "site": 0.0, "json_ld": 0.0, "open_graph": third, "meta": 0.0, "generic": 0.0,
        "empty": third, "other": third,
    }  # fmt: skip
    assert summary["fields"]["tags"] == {
        "site": 0.0, "json_ld": 0.0, "open_graph": 0.0, "meta": 0.0, "generic": 0.0,
        "empty": 1.0,
    }  # fmt: skip


def test_summary_of_a_run_that_read_nothing_and_of_one_without_counts() -> None:
    assert coverage_summary(
        {"coverage/parsed": 0, "coverage/articles": 0, "coverage/not_modified": 5}
    ) == {
        "pages": 0, "parsed": 0, "articles": 0, "not_modified": 5, "rejected": 0,
        "rejected_share": 0.0, "rejected_by_reason": {}, "fields": {},
    }  # fmt: skip
    assert coverage_summary({"finish_reason": "finished"}) is None


# --- the checks -------------------------------------------------------------------------


def summary_of(
    parsed: int,
    required: dict[str, int] | None = None,
    rejected: dict[str, int] | None = None,
) -> dict[str, Any]:
    """A run's coverage: ``parsed`` pages parsed, ``required`` maps ``<field>/<category>``
    to a page count (the other pages have the field from the site layout), ``rejected``
    the refused pages by reason: ``missing_*`` ones were parsed, the others were not."""
    required = required or {}
    rejected = rejected or {}
    refused_parsed = sum(n for reason, n in rejected.items() if reason.startswith("missing_"))
    stats: dict[str, Any] = {
        "coverage/parsed": parsed,
        "coverage/articles": parsed - refused_parsed,
        "coverage/not_modified": 0,
    }
    for reason, count in rejected.items():
        stats[f"coverage/rejected/{reason}"] = count
    for name in REQUIRED:
        other = {k: v for k, v in required.items() if k.startswith(f"{name}/")}
        stats[f"coverage/fields/{name}/site"] = parsed - sum(other.values())
        stats.update({f"coverage/fields/{key}": value for key, value in other.items()})
    summary = coverage_summary(stats)
    assert summary is not None
    return summary


def test_a_healthy_run_raises_nothing() -> None:
    history = [summary_of(34), summary_of(30)]
    assert evaluate(summary_of(34), history, LIMITS) == []
    assert evaluate(summary_of(34), [], LIMITS) == []


def test_no_alarm_on_a_run_of_three_articles() -> None:
    collapsed = {"title/open_graph": 3, "body/empty": 3, "published_at/empty": 3}
    three = summary_of(3, collapsed, rejected={"missing_body": 3})
    assert (three["pages"], three["rejected_share"]) == (3, 1.0)
    assert evaluate(three, [summary_of(34)], LIMITS) == []
    # From COVERAGE_MIN_ARTICLES pages on, the same collapse is reported.
    ten = summary_of(10, {"title/open_graph": 10, "body/empty": 10, "published_at/empty": 10},
                     rejected={"missing_body": 10})  # fmt: skip
    assert evaluate(ten, [summary_of(34)], LIMITS) == [
        "title from the site layout on 0% of 10 article pages "
        "(recent runs: 100%; this run: open_graph 100%)",
        "published_at from the site layout on 0% of 10 article pages "
        "(recent runs: 100%; this run: empty 100%)",
        "body from the site layout on 0% of 10 article pages "
        "(recent runs: 100%; this run: empty 100%)",
        "published_at empty on 10 of 10 article pages (100%; at most 20% allowed)",
        "body empty on 10 of 10 article pages (100%; at most 20% allowed)",
        "10 of 10 article pages rejected (missing_body: 10; at most 50% allowed)",
    ]


def test_site_layout_drop_is_measured_against_the_median_of_recent_runs() -> None:
    # Newest first. The two small runs (3 pages) do not count: with them the median
    # would be 0%. Median of the others: 100% (their mean, 73%, would hide the drop).
    history = [
        summary_of(3, {"title/json_ld": 3}),
        summary_of(40),
        summary_of(20, {"title/json_ld": 16}),
        summary_of(3, {"title/json_ld": 3}),
        summary_of(34),
    ]
    dropped = summary_of(20, {"title/json_ld": 9, "title/empty": 2})
    assert evaluate(dropped, history, LIMITS) == [
        "title from the site layout on 45% of 20 article pages "
        "(recent runs: 100%; this run: json_ld 45%, empty 10%)"
    ]
    # A fall of exactly COVERAGE_SITE_DROP is tolerated.
    assert evaluate(summary_of(20, {"title/json_ld": 10}), history, LIMITS) == []
    # Without recent runs of enough pages there is nothing to compare with.
    assert evaluate(dropped, history[:1], LIMITS) == []
    assert evaluate(dropped, history, Thresholds(site_drop=1.0)) == []


def test_empty_share_of_a_required_field() -> None:
    assert evaluate(summary_of(10, {"body/empty": 3}), [], LIMITS) == [
        "body empty on 3 of 10 article pages (30%; at most 20% allowed)"
    ]
    assert evaluate(summary_of(10, {"body/empty": 2}), [], LIMITS) == []
    assert evaluate(summary_of(10, {"body/empty": 3}), [], Thresholds(empty_max=0.3)) == []


def test_share_of_rejected_pages() -> None:
    most = summary_of(4, rejected={"http_404": 6, "missing_body": 3})
    assert (most["pages"], most["rejected"]) == (10, 9)
    assert evaluate(most, [], LIMITS) == [
        "9 of 10 article pages rejected (http_404: 6, missing_body: 3; at most 50% allowed)"
    ]
    half = summary_of(5, rejected={"http_404": 5})
    assert (half["pages"], half["rejected_share"]) == (10, 0.5)
    assert evaluate(half, [], LIMITS) == []
    few = summary_of(0, rejected={"http_404": 9})
    assert (few["pages"], few["rejected_share"]) == (9, 1.0)
    assert evaluate(few, [], LIMITS) == []
    assert evaluate(few, [], Thresholds(min_pages=9)) == [
        "9 of 9 article pages rejected (http_404: 9; at most 50% allowed)"
    ]


def test_thresholds_are_settings() -> None:
    defaults = Settings()
    defaults.setmodule(project_settings)
    assert Thresholds.from_settings(defaults) == Thresholds(
        min_pages=10, history_runs=5, site_drop=0.5, empty_max=0.2, rejected_max=0.5
    )
    assert Thresholds.from_settings(
        Settings({"COVERAGE_MIN_ARTICLES": "3", "COVERAGE_HISTORY_RUNS": "2",
                  "COVERAGE_SITE_DROP": "0.3", "COVERAGE_EMPTY_MAX": "0.1",
                  "COVERAGE_REJECTED_MAX": "0.9"})  # fmt: skip
    ) == Thresholds(min_pages=3, history_runs=2, site_drop=0.3, empty_max=0.1, rejected_max=0.9)


# --- run history --------------------------------------------------------------------------


def _stats(summary_stats: dict[str, Any], reason: str = "finished", **extra: Any) -> dict:
    return {"finish_reason": reason, "response_received_count": 50, **summary_stats, **extra}


def _counts(parsed: int, site: int) -> dict[str, int]:
    """Coverage counts of a run whose title came from the site layout on ``site`` pages."""
    return {
        "coverage/parsed": parsed,
        "coverage/articles": parsed,
        "coverage/fields/title/site": site,
        "coverage/fields/title/json_ld": parsed - site,
    }


def _run(engine: sa.Engine, job: str, stats: dict[str, Any]) -> int:
    run_id = begin_run(engine, job, "rtl", {}, NOW)
    finish_run(engine, run_id, stats, NOW)
    return run_id


def test_finish_run_stores_coverage_and_alarm(db_url: str) -> None:
    engine = sa.create_engine(db_url)
    try:
        healthy = _run(engine, "rtl", _stats(_counts(12, 12)))
        alarm = "title from the site layout on 0% of 12 article pages (...)"
        alarmed_stats = _stats(_counts(12, 0), **{"coverage/alarm": alarm})
        alarmed = _run(engine, "rtl", alarmed_stats)
        failed_stats = _stats(_counts(12, 0), "shutdown", **{"coverage/alarm": alarm})
        failed = _run(engine, "rtl", failed_stats)
        with engine.connect() as conn:
            runs = t.crawl_runs.c
            rows = conn.execute(
                sa.select(runs.id, runs.status, runs.alarm, runs.coverage).order_by(runs.id)
            ).all()
    finally:
        engine.dispose()
    assert [(r.id, r.status, r.alarm) for r in rows] == [
        (healthy, "finished", None), (alarmed, "finished", alarm), (failed, "failed", alarm),
    ]  # fmt: skip
    coverage = rows[1].coverage
    assert coverage == coverage_summary(alarmed_stats)
    assert coverage["fields"]["title"] == {
        "site": 0.0, "json_ld": 1.0, "open_graph": 0.0, "meta": 0.0, "generic": 0.0,
        "empty": 0.0,
    }  # fmt: skip
    assert exitcodes.exit_code(_stats(_counts(12, 12)), None) == exitcodes.OK
    assert exitcodes.exit_code(alarmed_stats, None) == exitcodes.EXTRACTION_ALARM == 65
    assert exitcodes.exit_code(failed_stats, None) == exitcodes.CRAWL_FAILED


def test_recent_coverage_reads_the_healthy_runs_of_the_same_job(db_url: str) -> None:
    engine = sa.create_engine(db_url)
    try:
        oldest = _run(engine, "rtl", _stats(_counts(34, 34)))
        _run(engine, "rtl", _stats(_counts(3, 0)))  # too few pages
        _run(engine, "rtl", _stats(_counts(30, 30), "shutdown"))  # failed
        _run(engine, "rtl", _stats(_counts(30, 0), **{"coverage/alarm": "title ..."}))
        _run(engine, "rtl section=sport", _stats(_counts(30, 30)))  # another job
        _run(engine, "rtl", {"finish_reason": "finished", "response_received_count": 1})
        newest = _run(engine, "rtl", _stats(_counts(20, 18)))
        current = begin_run(engine, "rtl", "rtl", {}, NOW)
        _run(engine, "rtl", _stats(_counts(40, 40)))  # after the current one

        recent = recent_coverage(engine, current, 5, 10)
        assert [run["parsed"] for run in recent] == [20, 34]
        assert [run["fields"]["title"]["site"] for run in recent] == [0.9, 1.0]
        assert recent_coverage(engine, current, 1, 10) == recent[:1]
        assert recent_coverage(engine, current, 5, 21) == recent[1:]
        assert recent_coverage(engine, oldest, 5, 10) == []
        assert newest < current
    finally:
        engine.dispose()


# --- the pipelines together, with the store pipeline -------------------------------------


def _crawl_in_process(db_url: str, items: list[Any]) -> dict[str, Any]:
    """Items through validation, storage and the coverage pipelines, as a crawl does."""
    crawler = get_crawler(
        settings_dict={"DATABASE_URL": db_url, "STORE_SPOOL_DIR": tempfile.mkdtemp()}
    )
    pipelines = [
        FieldCoveragePipeline.from_crawler(crawler),
        ValidatePipeline.from_crawler(crawler),
        StorePipeline.from_crawler(crawler),
        PageCoveragePipeline.from_crawler(crawler),
        CoverageAlarmPipeline.from_crawler(crawler),
    ]
    for pipeline in pipelines:
        if hasattr(pipeline, "open_spider"):
            pipeline.open_spider()
    for item in items:
        for pipeline in pipelines:
            item = pipeline.process_item(item)
    for pipeline in pipelines:
        if hasattr(pipeline, "close_spider"):
            pipeline.close_spider()
    crawler.stats.set_value("finish_reason", "finished")
    crawler.stats.set_value("response_received_count", len(items))
    pipelines[2].spider_closed(reason="finished")
    return crawler.stats.get_stats()


def test_a_layout_switch_after_a_normal_run_raises_the_alarm(
    clean_pg_db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    layout = {"title": "site:rtl/v2021", "body": "site:rtl/v2021", "published_at": "site:rtl/v2021"}
    normal = _crawl_in_process(clean_pg_db_url, [_article(n, **layout) for n in range(12)])
    assert "coverage/alarm" not in normal
    assert exitcodes.exit_code(normal, None) == exitcodes.OK

    # Then the site serves a layout the parser does not know: JSON-LD fills the title
    # and dates, nothing the body, so validation refuses every page.
    switched = [_article(n, title="json_ld", published_at="json_ld") for n in range(12)]
    for item in switched:
        item.body = None
    with caplog.at_level(logging.ERROR, logger="pipelines.alarms"):
        collapsed = _crawl_in_process(clean_pg_db_url, switched)

    alarm = (
        "title from the site layout on 0% of 12 article pages "
        "(recent runs: 100%; this run: json_ld 100%); "
        "published_at from the site layout on 0% of 12 article pages "
        "(recent runs: 100%; this run: json_ld 100%); "
        "body from the site layout on 0% of 12 article pages "
        "(recent runs: 100%; this run: empty 100%); "
        "body empty on 12 of 12 article pages (100%; at most 20% allowed); "
        "12 of 12 article pages rejected (missing_body: 12; at most 50% allowed)"
    )
    assert collapsed["coverage/alarm"] == alarm
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR] == [
        f"Extraction alarm: {alarm}"
    ]
    assert exitcodes.exit_code(collapsed, None) == exitcodes.EXTRACTION_ALARM
    engine = sa.create_engine(clean_pg_db_url)
    try:
        with engine.connect() as conn:
            runs = conn.execute(
                sa.text("SELECT id, status, alarm, coverage, pages_rejected FROM crawl_runs"
                        " ORDER BY id")  # fmt: skip
            ).all()
    finally:
        engine.dispose()
    assert [(r.id, r.status, r.alarm, r.pages_rejected) for r in runs] == [
        (1, "finished", None, 0), (2, "finished", alarm, 12),
    ]  # fmt: skip
    assert runs[0].coverage["fields"]["body"]["site"] == 1.0
    assert runs[1].coverage["fields"]["body"] == {
        "site": 0.0, "json_ld": 0.0, "open_graph": 0.0, "meta": 0.0, "generic": 0.0,
        "empty": 1.0,
    }  # fmt: skip
    assert runs[1].coverage["rejected_by_reason"] == {"missing_body": 12}
