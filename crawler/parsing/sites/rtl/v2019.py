"""RTL's 2019-2020 article template (``site:rtl/v2019``).

Built from the design note's description of saved 2019 pages: ``article.g-article`` with
``h1.article-header``, ``h2.article-chapo``, the byline block (a ``<figure>`` holding the
author names and the "et AFP" co-credit), ``div.article-info`` times, ``div.article-mask``
paragraphs, and no JSON-LD.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree
from parsel import Selector

from crawler.parsing.blocks import trim_headings
from crawler.parsing.document import node_text
from crawler.parsing.layouts import (
    ABSENT,
    Context,
    Layout,
    any_of,
    links,
    minutes,
    or_absent,
    text,
    texts,
)
from crawler.parsing.text import class_tokens, dedupe, element_text, strip_credit_prefix
from crawler.parsing.vocabulary import inside, is_body_noise

_CO_CREDIT_PREFIX = re.compile(r"^\s*(?:et|avec|&|and|\+)\s+", re.IGNORECASE)
_HEADING = re.compile(r"h[1-6]")


def _authors(ctx: Context) -> list[str]:
    names = []
    for node in ctx.root.css(".article-social-author-name"):
        for part in node.css("a") or [node]:
            names.append(node_text(part))
    return dedupe(names)


def _co_credit(ctx: Context) -> str | None:
    value = ctx.page.text(".article-social-author-position", ctx.root)
    return _CO_CREDIT_PREFIX.sub("", value).strip() or None if value else None


def _info_times(ctx: Context) -> list[Selector]:
    return [
        node
        for info in ctx.root.css("div.article-info")
        if not inside(info.root, ctx.root.root)
        for node in info.css("time")
    ]


def _time_value(node: Selector) -> str | None:
    return (node.root.get("datetime") or "").strip() or node_text(node) or None


def _published(ctx: Context) -> str | None:
    times = _info_times(ctx)
    preferred = [t for t in times if "publish-time" in class_tokens(t.root)] or times[:1]
    return next((v for node in preferred if (v := _time_value(node))), None)


def _modified(ctx: Context) -> str | None:
    times = _info_times(ctx)
    updates = [t for t in times if "update-time" in class_tokens(t.root)]
    if not updates:
        # An update shows as a later time element in the byline ("mis à jour le ...").
        updates = [
            t for t in times[1:] if "publish-time" not in class_tokens(t.root)
        ]
    published = ctx.found.get("published_at")
    return next(
        (v for node in updates if (v := _time_value(node)) and v != published), None
    )


def _image(ctx: Context) -> dict[str, Any] | None:
    """The lead image of ``figure.article-media-figure``; its URL is the full-size
    ``og:image``. Without that figure the article has no image: the ``og:image`` of such
    a page is the site's default share picture."""
    figures = ctx.root.css("figure.article-media-figure")
    if not figures:
        return ABSENT
    figure = figures[0]
    src = figure.css("img.media-item::attr(src)").get() or figure.css(
        "img::attr(data-src), img::attr(src)"
    ).get()
    og_url = ctx.page.absolute(ctx.page.meta("og:image", "og:image:url", "og:image:secure_url"))
    url = og_url or ctx.page.absolute(src)
    if not url:
        return ABSENT
    caption = node_text(figure.css("span.article-media-figcaption-title"))
    credit = node_text(figure.css("span.article-media-figcaption-credits"))
    return {"url": url, "caption": caption or None, "credit": strip_credit_prefix(credit)}


def _body(ctx: Context) -> list[dict[str, str]]:
    """``p.article-p`` paragraphs of ``div.article-mask``, and every heading between them,
    whatever its level and class."""
    masks = ctx.root.css("div.article-mask")
    container = masks[0].root if masks else ctx.root.root
    blocks: list[dict[str, str]] = []
    last: etree._Element | None = None
    for element in container.iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.lower()
        if tag == "p" and "article-p" in class_tokens(element):
            kind = "paragraph"
        elif _HEADING.fullmatch(tag) or "article-title" in class_tokens(element):
            kind = "heading"
        else:
            continue
        if is_body_noise(element) or inside(element, container, is_body_noise):
            continue
        # A block nested in the previous block is already part of its text.
        if last is not None and any(a is last for a in element.iterancestors()):
            continue
        last = element
        value = element_text(element, skip=is_body_noise)
        if kind == "heading":
            value = " ".join(value.split())
        if value:
            blocks.append({"type": kind, "text": value})
    return trim_headings(blocks)


LAYOUT = Layout(
    site="rtl",
    version="v2019",
    # Classes only this template uses; a bare ``article.article`` is common elsewhere.
    matches=any_of(
        "article.g-article", "h1.article-header", "div.article-mask", "p.article-p",
        "h2.article-chapo", ".article-social-author-name",
    ),
    root="article.article, article.g-article",
    fields={
        "title": text("h1.article-header"),
        # Optional fields: when the template does not show them, the article has none
        # (no fallback then mistakes a social og:description for a lead).
        "lead": or_absent(text("h2.article-chapo")),
        "authors": or_absent(_authors),
        "co_credit": or_absent(_co_credit),
        "published_at": _published,
        "modified_at": or_absent(_modified),
        "reading_time_minutes": minutes("span.article-duration"),
        "tags": texts("div.article-follow a.btn-follow"),
        "image": _image,
        "body_blocks": _body,
        "related_urls": links(
            "div.article-related a", "div.article-recommendation li.item a.item-link"
        ),
    },
    notes="saved 2019 pages of www.rtl.fr (design note: rtl-article-page.md)",
)
