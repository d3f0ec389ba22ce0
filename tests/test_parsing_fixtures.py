"""Whole-page fixtures: every field of the stored form, compared with hand-written JSON.

Each ``fixtures/expected/<name>.json`` was written from the page ``fixtures/pages/
<name>.html`` (and its ``<name>_comments_p*.html`` fragments, attached in page order), not
from parser output. Its ``url`` is the URL the page is taken to be fetched from.
"""

from __future__ import annotations

import dataclasses
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from crawler.items import ArticleItem
from pipelines.extract import FETCH_STATE_FIELDS, article_to_json, extract_article

FIXTURES = Path(__file__).parent / "fixtures"
PAGES = FIXTURES / "pages"
EXPECTED = FIXTURES / "expected"
CASES = sorted(path.stem for path in EXPECTED.glob("*.json"))
FIELDS = [f.name for f in dataclasses.fields(ArticleItem) if f.name not in FETCH_STATE_FIELDS]


@cache
def load(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    expected = json.loads((EXPECTED / f"{name}.json").read_text(encoding="utf-8"))
    comment_pages = sorted(PAGES.glob(f"{name}_comments_p*.html"))
    item = extract_article(
        (PAGES / f"{name}.html").read_bytes(),
        expected["url"],
        [page.read_bytes() for page in comment_pages],
        base_url="https://www.rtl.fr",
    )
    assert isinstance(item, ArticleItem), item
    return article_to_json(item), expected


def test_there_are_fixtures() -> None:
    assert {"rtl_2019_seed", "jsonld_newsarticle"} <= set(CASES)


@pytest.mark.parametrize("name", CASES)
def test_expected_file_names_every_field(name: str) -> None:
    _, expected = load(name)
    assert list(expected) == FIELDS


@pytest.mark.parametrize("name", CASES)
def test_output_keys_follow_the_item_contract(name: str) -> None:
    actual, _ = load(name)
    assert list(actual) == FIELDS


@pytest.mark.parametrize(("name", "field"), [(n, f) for n in CASES for f in FIELDS])
def test_fixture_field(name: str, field: str) -> None:
    actual, expected = load(name)
    assert actual[field] == expected[field]
