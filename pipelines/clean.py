"""Turn a parsed article's raw strings into their stored form.

What is stored is the text a reader sees:

- comment text and body text come from the rendered page, where the HTML parser has
  already reduced markup elements to their text and decoded entities once. They are NOT
  decoded or re-parsed here: a comment showing ``<script>alert(1)</script>`` (escaped in
  the page, so displayed as characters) is stored as exactly those characters, and a
  comment showing ``&amp;`` keeps it. Storage and display must treat them as text.
- short metadata values taken from JSON-LD or ``meta`` attributes are often HTML-escaped
  once more than needed (``L&#039;info``); the parser decodes those where it reads them
  (``crawler.parsing.jsonld``, ``crawler.parsing.document``), so nothing is decoded here.

Everything is NFC, without control characters, whitespace-collapsed (body and comments
keep ``"\\n"`` line breaks and ``"\\n\\n"`` between paragraphs); interface strings are
removed; dates become aware datetimes; lists lose repeats, keeping first-seen order.

Optional dates that cannot be true (before 1990, or days in the future: a template's
placeholder "1900-01-01", a year typo) are dropped rather than stored; the publication
date is required, so an implausible one is left for ``pipelines.validate`` to reject.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.items import ArticleItem
from crawler.parsing.dates import is_plausible, parse_date
from crawler.parsing.text import (
    dedupe,
    is_ui_string,
    normalize_multiline,
    normalize_text,
    remove_ui_lines,
    strip_credit_prefix,
)

BLOCK_TYPES = ("paragraph", "heading")


class _Cleaner:
    def __init__(self, item: ArticleItem) -> None:
        self.extraction = dict(item.extraction or {})

    def line(self, value: Any) -> str | None:
        return (normalize_text(str(value)) if value is not None else "") or None

    def lines(self, values: list[Any] | None) -> list[str]:
        cleaned = (self.line(value) for value in values or [])
        return dedupe((v for v in cleaned if v), key=str.casefold)


def _urls(values: list[str] | None) -> list[str]:
    return dedupe(normalize_text(v) for v in values or [])


def _blocks(blocks: list[dict[str, str]] | None) -> list[dict[str, str]]:
    cleaned = []
    for block in blocks or []:
        kind = block.get("type") if block.get("type") in BLOCK_TYPES else "paragraph"
        raw = block.get("text") or ""
        text = normalize_text(raw) if kind == "heading" else remove_ui_lines(raw)
        if text and not is_ui_string(text):
            cleaned.append({"type": kind, "text": text})
    return cleaned


def _reading_time(value: Any) -> int | None:
    try:
        minutes = int(value)
    except (TypeError, ValueError):
        return None
    return minutes if minutes > 0 else None


def _language(value: str | None) -> str | None:
    tag = normalize_text(value).replace("_", "-").lower()
    return tag.split("-")[0] or None


def _image(image: dict[str, Any] | None, cleaner: _Cleaner) -> dict[str, Any] | None:
    if not image or not normalize_text(image.get("url")):
        return None
    credit = cleaner.line(image.get("credit"))
    return {
        "url": normalize_text(image["url"]),
        "caption": cleaner.line(image.get("caption")),
        "credit": strip_credit_prefix(credit),
    }


def _optional_date(value: Any, now: datetime | None) -> datetime | None:
    parsed = parse_date(value)
    return parsed if parsed is not None and is_plausible(parsed, now) else None


def clean_comments(
    comments: list[dict[str, Any]] | None, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Cleaned comments: one per id, empty ones dropped, dates parsed (implausible ones,
    judged against ``now``, dropped).

    A reply to a dropped (empty) comment is attached to that comment's own parent, so
    every ``parent_id`` still names a comment of the list or one never seen.
    """
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    replaced_parent: dict[str, str | None] = {}
    for comment in comments or []:
        comment_id = normalize_text(str(comment.get("comment_id") or ""))
        if not comment_id or comment_id in seen:
            continue
        seen.add(comment_id)
        parent_id = normalize_text(str(comment.get("parent_id") or "")) or None
        if parent_id in replaced_parent:
            parent_id = replaced_parent[parent_id]
        text = remove_ui_lines(comment.get("text") or "")
        if not text:
            replaced_parent[comment_id] = parent_id
            continue
        entry = dict(comment)
        entry.update(
            comment_id=comment_id,
            parent_id=parent_id,
            author=normalize_text(comment.get("author")) or None,
            posted_at=_optional_date(comment.get("posted_at"), now),
            text=text,
        )
        cleaned.append(entry)
    return cleaned


def clean_article(item: ArticleItem, now: datetime | None = None) -> ArticleItem:
    """A new item with every field in its stored form (see the module docstring).

    ``now`` (aware; default: the current time) is the reference for future dates.
    """
    cleaner = _Cleaner(item)
    published = parse_date(item.published_at)
    modified = _optional_date(item.modified_at, now)
    if modified is not None and modified == published:
        # Templates repeat the publication time when there was no update.
        modified = None
    blocks = _blocks(item.body_blocks)
    if blocks:
        body = "\n\n".join(block["text"] for block in blocks)
    else:
        body = remove_ui_lines(item.body or "") or None
    cleaned = dataclasses.replace(
        item,
        url=normalize_text(item.url),
        canonical_url=normalize_text(item.canonical_url) or None,
        article_id=normalize_text(item.article_id) or None,
        section=normalize_text(item.section) or None,
        title=cleaner.line(item.title),
        lead=cleaner.line(item.lead),
        authors=cleaner.lines(item.authors),
        co_credit=cleaner.line(item.co_credit),
        published_at=published,
        modified_at=modified,
        reading_time_minutes=_reading_time(item.reading_time_minutes),
        tags=cleaner.lines(item.tags),
        keywords=cleaner.lines(item.keywords),
        image=_image(item.image, cleaner),
        body=normalize_multiline(body) or None,
        body_blocks=blocks,
        related_urls=_urls(item.related_urls),
        language=_language(item.language),
        comments=clean_comments(item.comments, now),
        aliases=_urls(item.aliases),
        extraction={},
    )
    # The map names the source of each *filled* field; cleaning may have emptied some.
    cleaned.extraction = {
        name: method
        for name, method in cleaner.extraction.items()
        if hasattr(cleaned, name) and getattr(cleaned, name) not in (None, "", [], {})
    }
    return cleaned


class CleanPipeline:
    """Apply ``clean_article`` to articles; other items pass through untouched.

    Stats: ``clean/comments_dropped`` counts comments removed (empty or repeated id).
    """

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CleanPipeline:
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        cleaned = clean_article(item)
        dropped = len(item.comments) - len(cleaned.comments)
        if dropped:
            self.stats.inc_value("clean/comments_dropped", dropped)
        return cleaned
