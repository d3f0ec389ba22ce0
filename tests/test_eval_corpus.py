"""The evaluation corpus is well-formed and its expected values agree with its pages.

These checks read the pages with lxml alone, never with the crawler's parser: they catch a
typo between a page and its hand-written JSON (a paragraph that is not on the page, a
title spelled differently), not a parser fault.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from datetime import datetime
from functools import cache

import lxml.html
import pytest

from benchmarks.eval import CORPUS, FAMILIES, GROUPS, EvalPage, load_corpus
from benchmarks.eval_scoring import normalize_space, words

PAGES = load_corpus()
IDS = [f"{page.group}/{page.name}" for page in PAGES]
MINIMUM_PER_GROUP = {"rtl_2019": 12, "rtl_2021": 14, "unknown": 12, "other_sites": 26}


@cache
def visible_text(page: EvalPage) -> str:
    """What a reader sees: the page's text without scripts, styles and head."""
    tree = lxml.html.document_fromstring(page.html)
    for element in tree.xpath("//script|//style|//template|//head"):
        element.drop_tree()
    return normalize_space(tree.text_content())


@cache
def source_text(page: EvalPage) -> str:
    """The whole source with entities decoded, scripts included (JSON-LD holds values)."""
    return normalize_space(html.unescape(page.html.decode("utf-8")))


def test_corpus_size_and_groups() -> None:
    counts = Counter(page.group for page in PAGES)
    assert len(PAGES) >= 64
    for group in GROUPS:
        assert counts[group] >= MINIMUM_PER_GROUP[group], (group, counts[group])
    assert sorted(g for _label, groups in FAMILIES.values() for g in groups) == sorted(GROUPS)
    # Every page has its expected values and nothing else lies in the folders.
    for group in GROUPS:
        stems = {p.stem for p in (CORPUS / group).iterdir()}
        assert {p.stem for p in (CORPUS / group).glob("*.html")} == stems, group


def test_urls_are_unique() -> None:
    urls = [page.url for page in PAGES]
    assert len(urls) == len(set(urls))


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_expected_values_are_well_formed(page: EvalPage) -> None:
    want = page.expected
    assert want["url"].startswith("https://")
    if page.group.startswith("rtl_"):
        assert re.search(r"^https://www\.rtl\.fr/.+-\d{10}$", want["url"]), want["url"]
    if page.group == "rtl_2021":
        assert int(want["url"][-10:]) >= 7900000000
    if page.group == "rtl_2019":
        assert int(want["url"][-10:]) < 7900000000
    published = datetime.fromisoformat(want["published"])
    assert published.utcoffset() is not None, "published needs an offset"
    assert isinstance(want["authors"], list)
    assert want["image"] is None or want["image"].startswith("https://")
    assert 150 <= len(words(want["body"])) <= 700, len(words(want["body"]))
    assert "\n\n\n" not in want["body"]
    # The harness passes no HTTP headers: the page itself must name its encoding.
    assert re.search(rb"<meta[^>]+charset=.?utf-8", page.html[:2048], re.IGNORECASE)
    assert want["body"] == want["body"].strip()


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_expected_text_is_on_the_page(page: EvalPage) -> None:
    want = page.expected
    seen = visible_text(page)
    for block in want["body"].split("\n\n"):
        assert normalize_space(block) in seen, block[:80]
        assert normalize_space(block) != normalize_space(want["lead"])
    assert normalize_space(want["title"]) in source_text(page)
    if want["lead"]:
        assert normalize_space(want["lead"]) in seen
    for name in want["authors"]:
        assert normalize_space(name) in source_text(page), name
    if want["image"]:
        assert want["image"] in source_text(page)
