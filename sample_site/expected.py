"""What a correct crawl stores for the sample site, in the item contract's field names
(``crawler/items.py``), as JSON-able values."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sample_site.articles import ARTICLES, BROKEN_PAGES
from sample_site.layouts import DEFAULT_LAYOUT, check_layout
from sample_site.model import HEADING, PARAGRAPH, ArticleSpec, CommentSpec
from sample_site.urls import article_url, image_url


def flatten_comments(comments: Iterable[CommentSpec], parent_id: str | None = None
                     ) -> list[tuple[CommentSpec, str | None]]:
    """Comments in page order, each followed by its replies (depth first)."""
    out: list[tuple[CommentSpec, str | None]] = []
    for comment in comments:
        out.append((comment, parent_id))
        out.extend(flatten_comments(comment.replies, comment.comment_id))
    return out


def _repeat_key(comment: CommentSpec) -> tuple[str | None, str]:
    # The rule of pipelines.dedupe: same author, same whitespace-collapsed casefolded text.
    return comment.author, " ".join(comment.text.split()).casefold()


def expected_comments(spec: ArticleSpec) -> list[dict[str, Any]]:
    """Each comment once (even when served on two pages), parents before replies; an exact
    repeat by a named author carries ``duplicate_of``, the id of the first posting of that
    text (set by deduplication, absent from the parser's raw output)."""
    flat = flatten_comments(spec.comments)
    first: dict[tuple[str | None, str], CommentSpec] = {}
    for comment, _ in flat:
        if comment.author is None:
            continue
        known = first.setdefault(_repeat_key(comment), comment)
        if (comment.posted_at, int(comment.comment_id)) < (
            known.posted_at, int(known.comment_id)
        ):
            first[_repeat_key(comment)] = comment
    result = []
    for comment, parent_id in flat:
        entry: dict[str, Any] = {
            "comment_id": comment.comment_id,
            "parent_id": parent_id,
            "author": comment.author,
            "posted_at": comment.posted_at.isoformat(),
            "text": comment.text,
        }
        original = first.get(_repeat_key(comment))
        if original is not None and original.comment_id != comment.comment_id:
            entry["duplicate_of"] = original.comment_id
        result.append(entry)
    return result


def _blocks(spec: ArticleSpec) -> list[dict[str, str]]:
    blocks = spec.body_blocks
    if spec.json_ld_only:
        # JSON-LD articleBody is plain text: sub-headings do not survive.
        blocks = tuple(b for b in blocks if b[0] == PARAGRAPH)
    return [{"type": kind, "text": text} for kind, text in blocks]


def _related(spec: ArticleSpec, base_url: str) -> list[str]:
    by_id = {s.article_id: s for s in ARTICLES}
    ids = list(spec.related)
    if spec.truncated:
        # Only the in-body "À lire aussi" insert survives the cut.
        has_insert = any(kind == HEADING for kind, _ in spec.body_blocks) or sum(
            kind == PARAGRAPH for kind, _ in spec.body_blocks) >= 2
        ids = ids[:1] if has_insert else []
    return [article_url(by_id[i], base_url) for i in ids if i in by_id]


def expected_article(spec: ArticleSpec, base_url: str,
                     layout: str = DEFAULT_LAYOUT) -> dict[str, Any]:
    """The cleaned article a crawl of ``base_url`` serving ``layout`` should store for
    ``spec``. The layouts carry the same values; only the image URL differs in ``2021``
    (RTL's image host)."""
    check_layout(layout)
    base_url = base_url.rstrip("/")
    url = article_url(spec, base_url)
    blocks = _blocks(spec)
    image = None
    if spec.image:
        image = {"url": image_url(spec, base_url, layout), "caption": spec.image.caption,
                 "credit": spec.image.credit}
    return {
        "url": url,
        "canonical_url": url,
        "article_id": spec.article_id,
        "section": spec.section,
        "title": spec.title,
        "lead": spec.lead,
        "authors": list(spec.authors),
        "co_credit": spec.co_credit,
        "published_at": spec.published_at.isoformat(),
        "modified_at": spec.modified_at.isoformat() if spec.modified_at else None,
        "reading_time_minutes": spec.reading_time_minutes,
        "tags": list(spec.tags),
        "keywords": list(dict.fromkeys(spec.keywords)),
        "image": image,
        "body": "\n\n".join(b["text"] for b in blocks),
        "body_blocks": blocks,
        "related_urls": _related(spec, base_url),
        "language": "fr",
        "comments": expected_comments(spec),
    }


def expected_totals(articles: list[ArticleSpec] | None = None) -> dict[str, int]:
    """Row counts a full crawl should produce.

    ``articles``: distinct stored articles (the wire twin is one article);
    ``comments``: distinct comment ids; ``exact_repeat_comments``: comments stored with
    ``duplicate_of``; ``rejected_pages``: pages recorded as rejected (bad pages and HTTP
    errors); ``article_urls_min``: distinct canonical article URLs that announce stored
    articles (each article's URL plus the wire twin's).
    """
    articles = ARTICLES if articles is None else articles
    expected = [expected_comments(spec) for spec in articles]
    return {
        "articles": len({spec.article_id for spec in articles}),
        "comments": sum(len(c) for c in expected),
        "exact_repeat_comments": sum(1 for c in expected for e in c if "duplicate_of" in e),
        "rejected_pages": sum(1 for page in BROKEN_PAGES if page.reason is not None),
        "article_urls_min": len(articles) + sum(1 for s in articles if s.twin_path),
    }
