"""schema.org JSON-LD on a page: the article object and its values as plain text."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from parsel import Selector

from crawler.parsing.text import (
    decode_entities,
    markup_to_text,
    normalize_text,
    strip_controls,
)

#: schema.org types whose object describes the page's article.
ARTICLE_TYPES = frozenset(
    {"Article", "NewsArticle", "ReportageNewsArticle", "AnalysisNewsArticle",
     "OpinionNewsArticle", "BackgroundNewsArticle", "BlogPosting", "LiveBlogPosting",
     "Report"}
)
_TAG = re.compile(r"<[A-Za-z/!?]")


def _objects(value: Any) -> Iterator[dict[str, Any]]:
    # Iterative: nesting is chosen by the page, so recursion could overflow the stack.
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, list):
            stack.extend(reversed(current))
        elif isinstance(current, dict):
            yield current
            if "@graph" in current:
                stack.append(current["@graph"])


def types(obj: dict[str, Any]) -> set[str]:
    """The object's ``@type`` names, without a vocabulary URL prefix."""
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.rsplit("/", 1)[-1] for k in kinds if isinstance(k, str)}


def find_article(sel: Selector) -> dict[str, Any]:
    """The first article object of the page's JSON-LD blocks (``@graph`` included), or
    ``{}``."""
    for script in sel.xpath("//script[@type='application/ld+json']/text()").getall():
        try:
            data = json.loads(script, strict=False)
        except (ValueError, RecursionError):
            # Broken JSON, or arrays nested deeper than the decoder's recursion allows.
            continue
        for obj in _objects(data):
            if types(obj) & ARTICLE_TYPES:
                return obj
    return {}


def as_text(value: Any) -> str | None:
    """A JSON-LD text value: a string, a ``{"@value"|"name"|"url": ...}`` node or the
    first of a list."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("@value") or value.get("name") or value.get("url")
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        text = strip_controls(str(value))
        # Markup inside a JSON string ("<b>Titre</b>", an injected "<img onerror>") is
        # reduced to its text like the page's own markup; a lone "<" ("5 < 6", "<3") is
        # text already. JSON strings are not HTML: an entity reference in one
        # ("L&#039;info") is an escaping accident of the CMS, undone once.
        text = markup_to_text(text) if _TAG.search(text) else decode_entities(text)
        return normalize_text(text) or None
    return None


def as_list(value: Any) -> list[Any]:
    """A JSON-LD value that may be one thing or a list of them, as a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
