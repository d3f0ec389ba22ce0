"""Feed exports: ``scrapy crawl rtl -O articles.jsonl`` carries articles only; a feed of
refused pages is still possible (in-process checks, then a real crawl of the sample site)."""

from __future__ import annotations

import csv
import dataclasses
import json
import subprocess
from pathlib import Path

from scrapy.utils.test import get_crawler

from crawler.feeds import ArticlesOnly
from crawler.items import ArticleItem, RejectedPageItem
from sample_site import ARTICLES, BROKEN_PAGES, article_url, serve
from tests.crawl_helpers import ROOT, crawl_command

OTHER_FILTER = "scrapy.extensions.feedexport.ItemFilter"
REJECTED_FEED = {"format": "jsonlines", "item_classes": ["crawler.items.RejectedPageItem"]}


def _feeds(**settings: object) -> dict:
    crawler = get_crawler(settings_dict={"ADDONS": {"crawler.feeds.ArticleFeeds": 0}, **settings})
    return crawler.settings.getdict("FEEDS")


def test_feeds_without_a_choice_get_articles_only() -> None:
    feeds = _feeds(FEEDS={
        "articles.jsonl": {"format": "jsonlines"},
        "rejected.jsonl": REJECTED_FEED,
        "everything.jsonl": {"format": "jsonlines", "item_classes": []},
        "mine.jsonl": {"format": "jsonlines", "item_filter": OTHER_FILTER},
    })  # fmt: skip
    assert feeds == {
        "articles.jsonl": {"format": "jsonlines", "item_filter": "crawler.feeds.ArticlesOnly"},
        "rejected.jsonl": REJECTED_FEED,
        "everything.jsonl": {"format": "jsonlines", "item_classes": []},
        "mine.jsonl": {"format": "jsonlines", "item_filter": OTHER_FILTER},
    }
    assert _feeds() == {}


def test_articles_only_filter() -> None:
    accepts = ArticlesOnly({"format": "jsonlines"}).accepts
    assert accepts(ArticleItem(url="u", title="T"))
    assert not accepts(RejectedPageItem(url="u", reason="http_404"))
    # An unchanged page answered 304: identity only, its text is in the database.
    assert not accepts(ArticleItem(url="u", not_modified=True))


def test_the_project_settings_enable_the_add_on() -> None:
    from scrapy.utils.project import get_project_settings

    addons = get_project_settings().getdict("ADDONS")
    crawler = get_crawler(settings_dict={"ADDONS": addons, "FEEDS": {"out.csv": {}}})
    assert crawler.settings.getdict("FEEDS") == {
        "out.csv": {"item_filter": "crawler.feeds.ArticlesOnly"}
    }


def test_crawl_with_O_gives_articles_only_and_a_separate_rejected_feed(tmp_path: Path) -> None:
    jsonl, table = tmp_path / "articles.jsonl", tmp_path / "articles.csv"
    rejected = tmp_path / "rejected.jsonl"
    with serve() as site:
        command, env = crawl_command(site.base_url, f"sqlite:///{tmp_path / 'crawl.sqlite'}")
        command += ["-O", str(jsonl), "-O", str(table),
                    "-s", "FEEDS=" + json.dumps({str(rejected): REJECTED_FEED})]  # fmt: skip
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=300)  # fmt: skip
        base = site.base_url
    assert done.returncode == 0, done.stderr[-3000:]

    records = [json.loads(line) for line in jsonl.read_text(encoding="utf-8").splitlines()]
    field_names = [f.name for f in dataclasses.fields(ArticleItem)]
    # 34 articles; the wire story is read under both of its URLs, and both readings pass.
    assert len(records) == 35
    assert all(list(record) == field_names for record in records)
    assert len({record["article_id"] for record in records}) == 34 == len(ARTICLES)
    assert all(record["title"] and record["body"] and record["published_at"] for record in records)

    with table.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == field_names
    assert len(rows) == 1 + 35
    assert {row[field_names.index("article_id")] for row in rows[1:]} == {
        record["article_id"] for record in records
    }

    refused = [json.loads(line) for line in rejected.read_text(encoding="utf-8").splitlines()]
    assert sorted((r["url"], r["reason"]) for r in refused) == sorted(
        (article_url(page, base), page.reason) for page in BROKEN_PAGES if page.reason
    )
    assert len(refused) == 5
