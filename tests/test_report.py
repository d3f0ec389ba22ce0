"""The crawl report: built by its command from databases filled by real crawls of the sample
site, and opened in headless Chromium, which must draw every chart with the stored
numbers and fetch nothing but the page itself."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from lxml import html as lxml_html

from sample_site import ARTICLES, BROKEN_PAGES, expected_article, expected_totals, serve
from schemas.tables import metadata
from tests.browser import chromium_path, open_page
from tests.crawl_helpers import ROOT, query, scrapy_crawl

WIRE_STORY = "7797924455"
CHARTS = {"stored-per-run", "run-durations", "stored-per-day", "rejected-by-reason",
          "coverage-by-method", "site-layout-share", "busiest-sections", "busiest-tags"}
#: Each mark of each chart as the browser drew it: what it says and its drawn size.
MARKS_JS = """
Array.from(document.querySelectorAll('svg[data-chart]')).map(svg => ({
  chart: svg.dataset.chart,
  width: svg.getBoundingClientRect().width,
  height: svg.getBoundingClientRect().height,
  texts: svg.querySelectorAll('text').length,
  marks: Array.from(svg.querySelectorAll('[data-value]')).map(g => {
    const box = g.getBBox();
    return {series: g.dataset.series, label: g.dataset.label, value: Number(g.dataset.value),
            title: g.querySelector('title').textContent, width: box.width, height: box.height};
  }),
}))
"""
#: Every URL the page refers to, in any attribute, and what a page could load.
REFERENCES_JS = """
({
  urls: Array.from(document.querySelectorAll('*')).flatMap(e => Array.from(e.attributes)
        .filter(a => /^(src|href|xlink:href|srcset|action|poster|data)$/.test(a.name))
        .map(a => a.value)),
  loading: document.querySelectorAll('script, link, img, iframe, object, embed, video, audio,'
                                     + ' source, image, use[href^="http"]').length,
  resources: performance.getEntriesByType('resource').map(r => r.name),
  styleUrls: Array.from(document.styleSheets).flatMap(s => Array.from(s.cssRules))
        .filter(r => r.cssText.includes('url(')).length,
})
"""



def report_command(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.run([sys.executable, "-m", "crawler.report", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip


@pytest.fixture(scope="module")
def crawled_pg(pg_db_url: str) -> str:
    """The session database emptied, then three runs of the sample site: a normal crawl,
    one after the article pages switched to a layout no parser knows (exit 65), and one
    after they switched back."""
    names = ", ".join(table.name for table in metadata.sorted_tables)
    engine = sa.create_engine(pg_db_url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    finally:
        engine.dispose()
    with serve() as site:
        first = scrapy_crawl(site.base_url, pg_db_url)
        assert first.returncode == 0, first.stderr[-3000:]
        site.set_layout("unknown")
        second = scrapy_crawl(site.base_url, pg_db_url, settings={"RTL_INCREMENTAL": "False"})
        assert second.returncode == 65, second.stderr[-3000:]
        # Read again in the known layout: the tags the generic layer could not find in
        # the unknown one come back.
        site.set_layout("2019")
        third = scrapy_crawl(site.base_url, pg_db_url, settings={"RTL_INCREMENTAL": "False"})
        assert third.returncode == 0, third.stderr[-3000:]
    return pg_db_url


@pytest.fixture(scope="module")
def report_file(crawled_pg: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.html"
    done = report_command("--out", str(out), "--database-url", crawled_pg, "--runs", "10",
                          "--days", "7")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Wrote {out} (")
    assert "3 runs, 7 days" in done.stdout
    return out


@pytest.fixture(scope="module")
def drawn(report_file: Path) -> Iterator[dict[str, Any]]:
    if chromium_path() is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run installs it (apt-get install "
                        "chromium)")  # fmt: skip
        pytest.skip("chromium not found on PATH (CI is not set): apt-get install chromium "
                    "to run the browser checks of the report")  # fmt: skip
    with open_page(report_file.as_uri()) as page:
        yield {
            "charts": {c["chart"]: c for c in page.evaluate(MARKS_JS)},
            "references": page.evaluate(REFERENCES_JS),
            "requests": page.requests,
            "text": page.evaluate("document.body.innerText"),
        }


def _values(chart: dict[str, Any], series: str | None = None) -> dict[str, float]:
    return {m["label"]: m["value"] for m in chart["marks"]
            if series is None or m["series"] == series}  # fmt: skip


def _runs(db_url: str) -> list[sa.Row]:
    return query(db_url, "SELECT id, articles_new, articles_updated, comments_new, started_at,"
                          " finished_at, coverage, alarm FROM crawl_runs ORDER BY id")  # fmt: skip


def test_the_page_loads_nothing_from_anywhere(drawn: dict[str, Any], report_file: Path) -> None:
    # The browser asked for the page itself and nothing else.
    assert drawn["requests"] == [report_file.as_uri()]
    references = drawn["references"]
    assert references["resources"] == []
    assert references["loading"] == 0
    assert references["styleUrls"] == 0
    # The only references are the charts' own (tick marks and clip paths inside the SVG).
    assert references["urls"]
    assert all(url.startswith("#") for url in references["urls"]), references["urls"]


def test_every_chart_is_drawn(drawn: dict[str, Any]) -> None:
    charts = drawn["charts"]
    assert set(charts) == CHARTS
    for name, chart in charts.items():
        assert chart["width"] > 300 and chart["height"] > 100, name
        assert chart["texts"] > 3, name  # axis labels, ticks, legend stay text
        assert chart["marks"], name
        for mark in chart["marks"]:
            # Every mark has its hover title, and a mark with a value has a size.
            assert mark["title"].startswith(f"{mark['series']} – {mark['label']}: "), mark
            if name != "site-layout-share" and mark["value"] > 0:
                assert mark["width"] > 0 and mark["height"] > 0, (name, mark)


def test_bars_are_drawn_to_scale(drawn: dict[str, Any]) -> None:
    # Within a bar chart, a bar's length is its value times one scale.
    for name, horizontal in (("stored-per-run", False), ("rejected-by-reason", True),
                             ("busiest-sections", True), ("busiest-tags", True),
                             ("run-durations", False)):  # fmt: skip
        marks = [m for m in drawn["charts"][name]["marks"] if m["value"] > 0]
        scales = [(m["width"] if horizontal else m["height"]) / m["value"] for m in marks]
        assert max(scales) == pytest.approx(min(scales), rel=0.01), name


def test_runs_show_what_each_run_stored_and_how_it_ended(
    drawn: dict[str, Any], crawled_pg: str
) -> None:
    totals = expected_totals()
    runs = _runs(crawled_pg)
    stored = drawn["charts"]["stored-per-run"]
    assert _values(stored, "articles new") == {"#1": totals["articles"], "#2": 0, "#3": 0}
    assert _values(stored, "comments new") == {"#1": totals["comments"], "#2": 0, "#3": 0}
    assert _values(stored, "articles updated") == {
        f"#{run.id}": run.articles_updated for run in runs}
    assert runs[0].articles_updated == 0
    # Durations, as the runs recorded them, each in the colour of its exit status.
    durations = drawn["charts"]["run-durations"]
    seconds = {f"#{run.id}": (run.finished_at - run.started_at).total_seconds() for run in runs}
    assert _values(durations, "0 (ok)") == pytest.approx(
        {"#1": seconds["#1"], "#2": 0, "#3": seconds["#3"]}, abs=1e-6)
    assert _values(durations, "65 (extraction alarm)") == pytest.approx(
        {"#1": 0, "#2": seconds["#2"], "#3": 0}, abs=1e-6)
    second = runs[1]
    # The alarm's own words are in the page.
    assert second.alarm.startswith("title from the site layout on 0% of 38 article pages")
    assert second.alarm in drawn["text"]


def test_stored_per_day_adds_up_to_the_crawl(drawn: dict[str, Any]) -> None:
    totals = expected_totals()
    per_day = drawn["charts"]["stored-per-day"]
    articles, comments = _values(per_day, "articles"), _values(per_day, "comments")
    assert len(articles) == len(comments) == 7
    assert (sum(articles.values()), sum(comments.values())) == (
        totals["articles"], totals["comments"])
    # Stored today (or yesterday, for a crawl that ran over midnight UTC).
    today = datetime.now(UTC).date()
    recent = {d.strftime("%m-%d") for d in (today, today - timedelta(days=1))}
    assert {day for day, n in articles.items() if n} <= recent


def test_refused_pages_by_reason(drawn: dict[str, Any]) -> None:
    expected = Counter(page.reason for page in BROKEN_PAGES if page.reason is not None)
    assert _values(drawn["charts"]["rejected-by-reason"]) == dict(expected)
    assert sum(expected.values()) == 5


def test_coverage_by_method_over_the_runs(drawn: dict[str, Any], crawled_pg: str) -> None:
    first, second, third = _runs(crawled_pg)
    line = drawn["charts"]["site-layout-share"]
    # The normal runs: every required field from the 2019 layout on 37 of the 38 pages
    # parsed (the broken page lacking it is the 38th); after the switch, none.
    for name in ("title", "published_at", "body"):
        assert _values(line, name) == {"#1": round(37 / 38, 4), "#2": 0.0, "#3": round(37 / 38, 4)}
    by_method = drawn["charts"]["coverage-by-method"]
    shown = {(m["label"], m["series"]): m["value"] for m in by_method["marks"]}
    # Each bar: the field's shares by method over the three runs (38 pages parsed in
    # each); a method that filled no field at all has no series.
    runs = (first, second, third)
    assert [run.coverage["parsed"] for run in runs] == [38, 38, 38]
    for name, shares in first.coverage["fields"].items():
        for category in shares:
            expected = round(sum(run.coverage["fields"][name][category] for run in runs) / 3, 4)
            assert shown.get((name, category), 0.0) == pytest.approx(expected, abs=1e-4), (
                name, category)
    assert _values(by_method, "site")["section"] == 1.0


def test_busiest_sections_and_tags(drawn: dict[str, Any], crawled_pg: str) -> None:
    base = "http://127.0.0.1"
    # The wire story is stored under whichever of its two sections was read first.
    [(wire_section,)] = query(crawled_pg, "SELECT section FROM articles WHERE article_id = :i",
                               i=WIRE_STORY)  # fmt: skip
    sections = Counter(expected_article(spec, base)["section"] for spec in ARTICLES
                       if spec.article_id != WIRE_STORY)  # fmt: skip
    sections[wire_section] += 1
    shown = _values(drawn["charts"]["busiest-sections"], "articles")
    assert len(shown) == min(10, len(sections))
    assert all(sections[name] == n for name, n in shown.items())
    assert min(shown.values()) >= max(n for name, n in sections.items() if name not in shown)
    tags = Counter(tag for spec in ARTICLES for tag in expected_article(spec, base)["tags"])
    shown_tags = _values(drawn["charts"]["busiest-tags"])
    assert len(shown_tags) == min(15, len(tags))
    assert all(tags[name] == n for name, n in shown_tags.items())
    assert min(shown_tags.values()) >= max(
        (n for name, n in tags.items() if name not in shown_tags), default=0)


def test_a_report_of_an_sqlite_crawl(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'crawl.sqlite'}"
    with serve() as site:
        done = scrapy_crawl(site.base_url, db, "section=sport")
        assert done.returncode == 0, done.stderr[-3000:]
    out = tmp_path / "out" / "report.html"

    made = report_command("--out", str(out), "--database-url", db)

    assert made.returncode == 0, made.stderr
    sport = [spec for spec in ARTICLES if spec.listing == "sport"]
    page = lxml_html.fromstring(out.read_text(encoding="utf-8"))
    marks = {(g.get("data-series"), g.get("data-label")): float(g.get("data-value"))
             for g in page.xpath("//svg[@data-chart='stored-per-run']//*[@data-value]")}
    assert marks[("articles new", "#1")] == len(sport)
    assert marks[("comments new", "#1")] == expected_totals(sport)["comments"]
    days = page.xpath("//svg[@data-chart='stored-per-day']//*[@data-series='articles']")
    assert len(days) == 30
    assert sum(float(g.get("data-value")) for g in days) == len(sport)
    assert not page.xpath("//script | //link | //img | //iframe")


def test_the_command_refuses_what_is_not_a_crawl_database(
    tmp_path: Path, empty_pg_db_url: str
) -> None:
    out = tmp_path / "report.html"
    missing = report_command("--out", str(out), "--database-url",
                             f"sqlite:///{tmp_path / 'nothing.sqlite'}")  # fmt: skip
    assert missing.returncode == 1
    assert "No crawl database at" in missing.stderr
    assert not (tmp_path / "nothing.sqlite").exists()
    empty = report_command("--out", str(out), "--database-url", empty_pg_db_url)
    assert empty.returncode == 1
    assert "No crawl tables in" in empty.stderr
    down = report_command("--out", str(out), "--database-url",
                          "postgresql+psycopg://reader:secret@127.0.0.1:1/news")  # fmt: skip
    assert down.returncode == 69
    assert "Database unreachable" in down.stderr and "secret" not in down.stderr
    bad = report_command("--out", str(out), "--runs", "0")
    assert bad.returncode == 2 and "must be 1 or more" in bad.stderr
    assert not out.exists()
