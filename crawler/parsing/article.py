"""Read one article page into an ``ArticleItem``: a pure function of the response.

Layers, tried per field in this order (``mode`` chooses which run):

1. the site layout whose markers the page carries (``crawler.parsing.sites``: RTL's
   ``v2019`` and ``v2021``), recorded as ``site:rtl/<version>``;
2. the generic layer (``crawler.parsing.generic``): JSON-LD, Open Graph and other head
   metadata, then the page read without knowing its template (headline element, byline,
   ``<time>`` elements, trafilatura for the main text, htmldate for the date), recorded
   as ``json_ld``, ``open_graph``, ``meta`` or ``generic``.

The generic layer only fills what the layout left empty, so a page in a known layout pays
nothing for it. Identity fields (canonical URL, article id, section, language, aliases)
come from the page's links and the site's URL rules (``site:<site>``) in every mode.
``item.extraction`` records the method of every filled field; ``pipelines.clean`` gives
the values their final form.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from typing import Any, Literal

from parsel import Selector
from scrapy.http import Response, TextResponse

from crawler.items import ArticleItem
from crawler.parsing import generic, jsonld
from crawler.parsing.document import Page
from crawler.parsing.layouts import ABSENT, Context, Layout
from crawler.parsing.sites import choose_layout
from crawler.parsing.text import dedupe, normalize_multiline, normalize_text
from crawler.parsing.urls import article_id_from_url, canonicalize_url, section_from_url

Mode = Literal["full", "site", "generic"]
MODES: tuple[Mode, ...] = ("full", "site", "generic")

#: Content fields in the order they are decided (later sources may read earlier fields:
#: the body drops a block repeating the title or lead, ``modified_at`` one equal to
#: ``published_at``).
CONTENT_FIELDS = (
    "title", "lead", "authors", "co_credit", "published_at", "modified_at",
    "reading_time_minutes", "tags", "keywords", "image", "body_blocks", "related_urls",
)


def _fill(
    field: str, layout: Layout | None, site: Context | None, common: Context, mode: Mode
) -> tuple[Any, str | None]:
    if layout is not None and site is not None and (source := layout.fields.get(field)):
        value = source(site)
        if value is ABSENT:
            return None, None
        if value:
            return value, layout.method
    if mode == "site":
        return None, None
    for method, candidate in generic.FIELDS.get(field, ()):
        if value := candidate(common):
            return value, method
    return None, None


def _canonical(page: Page, base_url: str | None, rules: str) -> tuple[str, str]:
    href = page.sel.css("link[rel~=canonical]::attr(href)").get()
    if url := page.absolute(href):
        return canonicalize_url(url, base_url), generic.META
    if url := page.absolute(page.meta("og:url")):
        return canonicalize_url(url, base_url), generic.OPEN_GRAPH
    return canonicalize_url(page.response.url, base_url), rules


def _slug(value: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _section(page: Page, canonical: str, rules: str) -> tuple[str | None, str | None]:
    if section := section_from_url(canonical) or section_from_url(page.response.url):
        return section, rules
    for value, method in (
        (jsonld.as_text(page.ld.get("articleSection")), generic.JSON_LD),
        (page.meta("article:section"), generic.OPEN_GRAPH),
    ):
        if value and (slug := _slug(value)):
            return slug, method
    return None, None


def _language(page: Page) -> tuple[str | None, str | None]:
    # Looked up in order and only as far as needed: the first is nearly always there.
    candidates = (
        (lambda: page.sel.xpath("/html/@lang | /html/@xml:lang").get(), generic.META),
        (lambda: jsonld.as_text(page.ld.get("inLanguage")), generic.JSON_LD),
        (lambda: page.meta("og:locale"), generic.OPEN_GRAPH),
        (lambda: page.sel.xpath(
            "//meta[translate(@http-equiv,'CONTENT-LANGUAGE','content-language')"
            "='content-language']/@content").get(), generic.META),
    )  # fmt: skip
    for lookup, method in candidates:
        value = lookup()
        primary = re.split(r"[-_,\s]", normalize_text(value).lower())[0] if value else ""
        if re.fullmatch(r"[a-z]{2,3}", primary):
            return primary, method
    return None, None


def _discovered_as(response: Response) -> str | None:
    try:
        return response.meta.get("discovered_as")
    except AttributeError:
        # A response built outside a crawl (tests, the extract CLI) has no request.
        return None


def _aliases(page: Page, canonical: str) -> list[str]:
    amp = page.absolute(page.sel.css("link[rel~=amphtml]::attr(href)").get())
    discovered = _discovered_as(page.response)
    return dedupe(
        [canonical, page.response.url, amp or "", page.absolute(discovered) or ""]
    )


def parse_article(
    response: Response,
    base_url: str | None = None,
    selector: Selector | None = None,
    *,
    mode: Mode = "full",
    site: str = "rtl",
) -> ArticleItem:
    """Parse an article page; missing parts come out as ``None`` or empty lists.

    ``base_url`` is the configured site root: URLs on that host (with or without ``www.``,
    http or https) are rewritten onto it. ``selector`` is the page already parsed (from
    ``crawler.parsing.encoding.page_text``), so that a caller that inspected it does not
    pay for parsing a large page twice. ``mode`` is ``full`` (site layout, then the
    generic layer), ``site`` (site layout only) or ``generic`` (generic layer only): the
    last two exist to measure each path alone. ``site`` names the site whose layouts are
    tried (``crawler.parsing.sites``) and whose URL rules give the article id. Raises
    ``ValueError`` only for a response that is not text; any text, however malformed,
    gives an item.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if not isinstance(response, TextResponse):
        raise ValueError(f"not a text response: {response.url}")
    page = Page(response, selector)
    item = ArticleItem(url=response.url, site=site)
    methods: dict[str, str | None] = {}
    # Method of the fields the site's URL rules give (article id, section, fetched URL).
    rules = f"site:{site}"

    item.canonical_url, methods["canonical_url"] = _canonical(page, base_url, rules)
    item.article_id = article_id_from_url(item.canonical_url) or article_id_from_url(
        response.url
    )
    methods["article_id"] = rules if item.article_id else None
    item.section, methods["section"] = _section(page, item.canonical_url, rules)
    item.language, methods["language"] = _language(page)
    item.aliases = _aliases(page, item.canonical_url)

    found: dict[str, Any] = {"canonical_url": item.canonical_url}
    layout = choose_layout(page, site) if mode != "generic" else None
    site = Context(page, page.scope(layout.root), base_url, found) if layout else None
    common = Context(page, page.sel, base_url, found)
    for name in CONTENT_FIELDS:
        value, methods[name] = _fill(name, layout, site, common, mode)
        found[name] = value
        if value:
            setattr(item, name, value)
    if item.body_blocks:
        item.body = normalize_multiline("\n\n".join(b["text"] for b in item.body_blocks))
        methods["body"] = methods["body_blocks"]
    # Keys follow the item's field order so that the JSON output reads top to bottom.
    item.extraction = {
        f.name: method for f in dataclasses.fields(item) if (method := methods.get(f.name))
    }
    return item
