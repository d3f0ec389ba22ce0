"""Coverage alarms end to end: ``scrapy crawl rtl`` against the sample site, into PostgreSQL.

A normal crawl stores its coverage and exits 0; when the site then serves its article
pages in another layout, the next crawl raises the extraction alarm and exits 65.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from crawler.exitcodes import EXTRACTION_ALARM
from sample_site import ARTICLES, SampleServer, serve
from tests.crawl_helpers import scrapy_crawl

#: Runs real crawls (``scrapy crawl`` in a child process) against local servers.
pytestmark = pytest.mark.e2e

#: What a normal crawl of the sample site reads: 34 articles and the wire story's second
#: URL stored, 5 broken pages refused (3 of them parsed first, 2 HTTP errors): 38 pages
#: parsed, 40 read.
NORMAL_COUNTS = {
    "pages": 40,
    "parsed": 38,
    "articles": 35,
    "not_modified": 0,
    "rejected": 5,
    "rejected_share": 0.125,
    "rejected_by_reason": {
        "http_404": 1, "http_500": 1, "missing_body": 1, "missing_published_at": 1,
        "missing_title": 1,
    },
}  # fmt: skip
RTL_ARTICLE = b'class="article g-article"'


def shares(**by_category: int) -> dict[str, float]:
    """Shares of the 38 parsed pages, every category listed."""
    counts = dict.fromkeys(("site", "json_ld", "open_graph", "meta", "generic", "empty"), 0)
    counts.update(by_category)
    assert sum(counts.values()) == 38
    return {kind: round(count / 38, 4) for kind, count in counts.items()}


#: Each required field: from the site layout on 37 pages (the 2019 template on 36, the 2021
#: JSON-LD layout on the JSON-LD article), and empty on the broken page that lacks it.
NORMAL_REQUIRED = {name: shares(site=37, empty=1)
                   for name in ("title", "published_at", "body")}  # fmt: skip


@pytest.fixture
def site() -> Iterator[SampleServer]:
    with serve() as server:
        yield server


def runs(db_url: str) -> list[dict[str, Any]]:
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT id, status, alarm, coverage, errors FROM crawl_runs ORDER BY id")
            )
            return [dict(row) for row in rows.mappings()]
    finally:
        engine.dispose()


def normal_crawl(site: SampleServer, db_url: str) -> None:
    done = scrapy_crawl(site.base_url, db_url)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Extraction alarm" not in done.stdout + done.stderr


def test_a_normal_crawl_stores_its_coverage_and_raises_no_alarm(
    site: SampleServer, clean_pg_db_url: str
) -> None:
    normal_crawl(site, clean_pg_db_url)

    [run] = runs(clean_pg_db_url)
    assert (run["status"], run["alarm"]) == ("finished", None)
    coverage = run["coverage"]
    assert {key: value for key, value in coverage.items() if key != "fields"} == NORMAL_COUNTS
    assert {name: coverage["fields"][name] for name in NORMAL_REQUIRED} == NORMAL_REQUIRED
    # Article ids and sections come from the site's URL rules on every page.
    assert coverage["fields"]["article_id"] == shares(site=38)
    assert coverage["fields"]["section"] == shares(site=38)


def unknown_layout(html: bytes) -> bytes:
    """The page with every class name changed: markup the crawler has never seen."""
    return re.sub(
        rb'class="([^"]*)"',
        lambda match: b'class="' + b" ".join(b"v2-" + name for name in match[1].split()) + b'"',
        html,
    )


def test_article_pages_switching_to_an_unknown_layout_raise_the_alarm(
    site: SampleServer, clean_pg_db_url: str
) -> None:
    normal_crawl(site, clean_pg_db_url)
    pages = site.site.pages
    switched = [path for path, page in pages.items() if RTL_ARTICLE in page.body]
    for path in switched:
        pages[path] = dataclasses.replace(pages[path], body=unknown_layout(pages[path].body))
    assert len(switched) == 73  # 35 article pages, their AMP twins, 3 broken pages

    done = scrapy_crawl(site.base_url, clean_pg_db_url, settings={"RTL_INCREMENTAL": "False"})

    assert done.returncode == EXTRACTION_ALARM == 65, done.stderr[-3000:]
    # Without the RTL classes the generic layer still reads every article (the JSON-LD
    # article keeps its 2021 layout), so nothing is lost: only the site-layout share tells.
    alarm = "; ".join(
        f"{name} from the site layout on 3% of 38 article pages "
        f"(recent runs: 97%; this run: generic {generic}%, empty {empty}%)"
        for name, generic, empty in (("title", 95, 3), ("published_at", 95, 3), ("body", 92, 5))
    )
    errors = [line for line in done.stderr.splitlines() if "Extraction alarm" in line]
    assert len(errors) == 1
    assert errors[0].endswith(f"[pipelines.alarms] ERROR: Extraction alarm: {alarm}")
    assert f"Extraction alarm (exit status 65): {alarm}; see crawl_runs.alarm" in done.stdout

    first, second = runs(clean_pg_db_url)
    assert (first["status"], first["alarm"]) == ("finished", None)
    assert (second["status"], second["alarm"]) == ("finished", alarm)
    coverage = second["coverage"]
    # The broken page without a date has a one-sentence body, which trafilatura (precision
    # first) drops in this markup: it is refused for its missing body instead.
    assert {key: value for key, value in coverage.items() if key != "fields"} == {
        **NORMAL_COUNTS,
        "rejected_by_reason": {"http_404": 1, "http_500": 1, "missing_body": 2,
                               "missing_title": 1},
    }  # fmt: skip
    assert coverage["fields"]["title"] == shares(generic=36, site=1, empty=1)
    assert coverage["fields"]["published_at"] == shares(generic=36, site=1, empty=1)
    assert coverage["fields"]["body"] == shares(generic=35, site=1, empty=2)


def test_a_layout_that_fallbacks_fill_still_raises_the_alarm(
    site: SampleServer, clean_pg_db_url: str
) -> None:
    normal_crawl(site, clean_pg_db_url)
    # The site moves to pages that carry only schema.org JSON-LD, without the marks of
    # RTL's 2021 layout (site name, title suffix): every article is still stored, from
    # the fallbacks, so only the site-layout share tells.
    site.set_articles([dataclasses.replace(spec, json_ld_only=True) for spec in ARTICLES])
    pages = site.site.pages
    for path, page in list(pages.items()):
        body = page.body.replace(b'content="RTL.fr"', b'content="Radio Nouvelle"')
        body = body.replace(b'"name": "RTL"', b'"name": "Radio Nouvelle"')
        pages[path] = dataclasses.replace(page, body=body.replace(b" | RTL</title>", b"</title>"))

    done = scrapy_crawl(site.base_url, clean_pg_db_url, settings={"RTL_INCREMENTAL": "False"})

    assert done.returncode == EXTRACTION_ALARM, done.stderr[-3000:]
    # The 3 broken pages keep the RTL template, each lacking one of the required fields.
    alarm = "; ".join(
        f"{name} from the site layout on 5% of 38 article pages "
        "(recent runs: 97%; this run: json_ld 92%, empty 3%)"
        for name in ("title", "published_at", "body")
    )
    errors = [line.split(" ERROR: ", 1)[1] for line in done.stderr.splitlines()
              if "Extraction alarm" in line]  # fmt: skip
    assert errors == [f"Extraction alarm: {alarm}"]
    first, second = runs(clean_pg_db_url)
    assert (first["alarm"], second["status"], second["alarm"]) == (None, "finished", alarm)
    assert {key: value for key, value in second["coverage"].items() if key != "fields"} == (
        NORMAL_COUNTS
    )
    for name in ("title", "published_at", "body"):
        assert second["coverage"]["fields"][name] == shares(site=2, json_ld=35, empty=1)


def script_shell(html: bytes) -> bytes:
    """The page as a client-rendered shell: its head kept, its body an empty mount point
    filled by JavaScript (what a crawler without a browser receives)."""
    head = html.split(b"<body", 1)[0]
    return head + b'<body><div id="app"></div><script src="/static/app.js"></script></body></html>'


def test_a_crawl_whose_extraction_collapses_exits_with_the_alarm_and_says_why(
    site: SampleServer, clean_pg_db_url: str
) -> None:
    normal_crawl(site, clean_pg_db_url)
    pages = site.site.pages
    switched = [path for path, page in pages.items() if RTL_ARTICLE in page.body]
    for path in switched:
        pages[path] = dataclasses.replace(pages[path], body=script_shell(pages[path].body))

    done = scrapy_crawl(site.base_url, clean_pg_db_url, settings={"RTL_INCREMENTAL": "False"})

    assert done.returncode == EXTRACTION_ALARM, done.stderr[-3000:]
    [line] = [line for line in done.stderr.splitlines() if "Extraction alarm" in line]
    # Every page lost its body; the head still names the headline and, on most pages,
    # the date (article:published_time), so the alarm names the body and the refusals.
    assert "body from the site layout on 3% of 38 article pages" in line
    assert "body empty on 37 of 38 article pages (97%; at most 20% allowed)" in line
    assert line.endswith(
        "39 of 40 article pages rejected (missing_body: 36, http_404: 1, http_500: 1, "
        "missing_title: 1; at most 50% allowed)"
    )
    first, second = runs(clean_pg_db_url)
    assert second["alarm"] == line.split("Extraction alarm: ", 1)[1]
    assert second["coverage"]["rejected_share"] == 0.975
