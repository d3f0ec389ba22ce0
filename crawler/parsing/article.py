"""Read one article page into an ``ArticleItem``: a pure function of the response.

Each field is looked for in a fixed order of sources, and ``item.extraction`` records the
source that filled it:

- ``rtl_template``: the RTL article template (classes listed in the design document) and
  the site's URL rules (article id, section, and the fetched URL as canonical fallback);
- ``json_ld``: a schema.org ``NewsArticle``/``Article`` object (possibly in ``@graph``);
- ``open_graph``: ``og:*`` and ``article:*`` properties;
- ``meta``: other head metadata (``link[rel=canonical]``, ``meta[name=keywords]``,
  ``meta[name=description]``, ``<html lang>``, ``<title>``).

Only the article's own content is read: the "Flash Actu" sidebar, "À lire aussi"
inserts, recommendations, share bars and ads are excluded (see ``_is_noise``). Values are
the text a reader sees, whitespace-normalised; ``pipelines.clean`` gives them their final
form (dates parsed, lists deduplicated, entities left in metadata decoded).
"""

from __future__ import annotations

import dataclasses
import json
import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from lxml import etree
from parsel import Selector
from scrapy.http import Response, TextResponse

from crawler.items import ArticleItem
from crawler.parsing.encoding import page_text
from crawler.parsing.text import (
    class_tokens,
    dedupe,
    element_text,
    markup_to_text,
    normalize_multiline,
    normalize_text,
    strip_controls,
    strip_credit_prefix,
)
from crawler.parsing.urls import (
    article_id_from_url,
    canonicalize_url,
    section_from_url,
)

RTL = "rtl_template"
JSON_LD = "json_ld"
OPEN_GRAPH = "open_graph"
META = "meta"

_ARTICLE_TYPES = frozenset(
    {"Article", "NewsArticle", "ReportageNewsArticle", "AnalysisNewsArticle",
     "OpinionNewsArticle", "BackgroundNewsArticle", "BlogPosting", "LiveBlogPosting",
     "Report"}
)
# Containers inside the article whose text is not the article's text.
_NOISE_CLASSES = frozenset(
    {"article-related", "article-recommendation", "read-more", "article-share",
     "share-bar", "social-share", "share", "article-social-share", "OUTBRAIN",
     "ob-widget", "pub", "ad", "ads", "advert", "advertisement", "m6pub", "sidebar",
     "flash-actu", "comments", "timeline-list"}
)
_NOISE_TAGS = frozenset({"aside", "nav", "form", "figure"})
_READING_TIME = re.compile(r"(\d+)\s*min", re.IGNORECASE)
_ISO_MINUTES = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?", re.IGNORECASE)
_TAG = re.compile(r"<[A-Za-z/!?]")
_CO_CREDIT_PREFIX = re.compile(r"^\s*(?:et|avec|&|and|\+)\s+", re.IGNORECASE)


def _is_noise(element: etree._Element) -> bool:
    if not isinstance(element.tag, str):
        return False
    if element.tag.lower() in _NOISE_TAGS:
        return True
    classes = class_tokens(element)
    if classes & _NOISE_CLASSES or any("outbrain" in c.lower() for c in classes):
        return True
    element_id = (element.get("id") or "").lower()
    return (
        element_id.startswith("dyninfeed")
        or "outbrain" in element_id
        or element.get("data-role") == "m6pub"
    )


def _inside_noise(element: etree._Element, stop: etree._Element) -> bool:
    for ancestor in element.iterancestors():
        if ancestor is stop:
            return False
        if _is_noise(ancestor):
            return True
    return False


class _Page:
    """Lookups over one parsed page, shared by the field extractors."""

    def __init__(self, response: TextResponse, selector: Selector | None = None) -> None:
        self.response = response
        if selector is None:
            selector = Selector(text=page_text(response) or "<html></html>")
        self.sel = selector
        roots = self.sel.css("article.article, article.g-article")
        self.article = roots[0] if roots else self.sel
        self.ld = _find_json_ld_article(self.sel)

    def meta(self, *names: str) -> str | None:
        """First non-empty ``content`` of ``meta[property=...]`` or ``meta[name=...]``."""
        for name in names:
            for attr in ("property", "name", "itemprop"):
                for value in self.sel.xpath(f"//meta[@{attr}=$name]/@content", name=name):
                    text = normalize_text(value.get())
                    if text:
                        return text
        return None

    def text(self, css: str) -> str | None:
        """Text of the first non-empty match, in the article first, then anywhere (a
        template may move the header out of ``<article>``), never inside noise."""
        scopes = [self.article] if self.article is self.sel else [self.article, self.sel]
        for scope in scopes:
            for node in scope.css(css):
                if _inside_noise(node.root, scope.root):
                    continue
                text = normalize_text(element_text(node.root, skip=_is_noise))
                if text:
                    return text
        return None

    def absolute(self, url: str | None) -> str | None:
        """The absolute http(s) URL of a link, or ``None`` (``javascript:``, ``data:``,
        ``mailto:``, fragments and other schemes are never stored as URLs)."""
        url = (url or "").strip()
        # "<" and ">" never appear in a real link; they mean markup leaked into it.
        if not url or url.startswith("#") or "<" in url or ">" in url:
            return None
        try:
            absolute = self.response.urljoin(url)
        except ValueError:
            # urljoin refuses some hostile values (an unbalanced "[" in the host).
            return None
        return absolute if absolute.lower().startswith(("http://", "https://")) else None


# --- JSON-LD --------------------------------------------------------------------------


def _json_ld_objects(value: Any) -> Iterator[dict[str, Any]]:
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


def _types(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.rsplit("/", 1)[-1] for k in kinds if isinstance(k, str)}


def _find_json_ld_article(sel: Selector) -> dict[str, Any]:
    for script in sel.xpath("//script[@type='application/ld+json']/text()").getall():
        try:
            data = json.loads(script, strict=False)
        except (ValueError, RecursionError):
            # Broken JSON, or arrays nested deeper than the decoder's recursion allows.
            continue
        for obj in _json_ld_objects(data):
            if _types(obj) & _ARTICLE_TYPES:
                return obj
    return {}


def _ld_string(value: Any) -> str | None:
    """A JSON-LD text value: a string, a ``{"@value"|"name"|"url": ...}`` node or the
    first of a list."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("@value") or value.get("name") or value.get("url")
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        text = strip_controls(str(value))
        if _TAG.search(text):
            # Markup inside a JSON string ("<b>Titre</b>", an injected "<img onerror>") is
            # reduced to its text like the page's own markup; a lone "<" ("5 < 6", "<3")
            # is text already.
            text = markup_to_text(text)
        return normalize_text(text) or None
    return None


def _ld_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


# --- Fields ---------------------------------------------------------------------------


def _title(page: _Page) -> tuple[str | None, str | None]:
    if title := page.text("h1.article-header"):
        return title, RTL
    if title := _ld_string(page.ld.get("headline") or page.ld.get("name")):
        return title, JSON_LD
    if title := page.meta("og:title"):
        return title, OPEN_GRAPH
    if title := page.meta("twitter:title"):
        return title, META
    if title := normalize_text(page.sel.xpath("string(//head/title)").get()):
        return title, META
    return None, None


def _lead(page: _Page) -> tuple[str | None, str | None]:
    if lead := page.text("h2.article-chapo"):
        return lead, RTL
    if lead := _ld_string(page.ld.get("description")):
        return lead, JSON_LD
    if lead := page.meta("og:description"):
        return lead, OPEN_GRAPH
    if lead := page.meta("description", "twitter:description"):
        return lead, META
    return None, None


def _authors(page: _Page) -> tuple[list[str], str | None]:
    names = []
    for node in page.article.css(".article-social-author-name"):
        links = node.css("a")
        for part in links or [node]:
            names.append(normalize_text(element_text(part.root)))
    if names := dedupe(names):
        return names, RTL
    for author in _ld_list(page.ld.get("author")):
        if isinstance(author, dict) and "Organization" in _types(author):
            continue
        names.append(_ld_string(author) or "")
    if names := dedupe(names):
        return names, JSON_LD
    # article:author is often a profile URL rather than a name.
    if (name := page.meta("article:author")) and not name.startswith("http"):
        return [name], OPEN_GRAPH
    if name := page.meta("author"):
        return [name], META
    return [], None


def _co_credit(page: _Page) -> tuple[str | None, str | None]:
    text = page.text(".article-social-author-position")
    if text and (credit := _CO_CREDIT_PREFIX.sub("", text).strip()):
        return credit, RTL
    return None, None


def _info_times(page: _Page) -> list[Selector]:
    return [
        node
        for info in page.article.css("div.article-info")
        if not _inside_noise(info.root, page.article.root)
        for node in info.css("time")
    ]


def _time_value(node: Selector) -> str | None:
    return normalize_text(node.attrib.get("datetime")) or normalize_text(
        element_text(node.root)
    ) or None


def _published(page: _Page) -> tuple[str | None, str | None]:
    times = _info_times(page)
    preferred = [t for t in times if "publish-time" in class_tokens(t.root)] or times[:1]
    for node in preferred:
        if value := _time_value(node):
            return value, RTL
    if value := _ld_string(page.ld.get("datePublished")):
        return value, JSON_LD
    if value := page.meta("article:published_time", "og:published_time"):
        return value, OPEN_GRAPH
    if value := page.meta("date", "pubdate", "publish-date", "dc.date", "DC.date.issued"):
        return value, META
    return None, None


def _modified(page: _Page, published: str | None) -> tuple[str | None, str | None]:
    times = _info_times(page)
    updates = [t for t in times if "update-time" in class_tokens(t.root)]
    if not updates:
        # An update shows as a later time element in the byline ("mis à jour le ...").
        updates = [
            t for t in times
            if "publish-time" not in class_tokens(t.root) and t is not times[0]
        ]
    for node in updates:
        value = _time_value(node)
        if value and value != published:
            return value, RTL
    candidates = (
        (_ld_string(page.ld.get("dateModified")), JSON_LD),
        (page.meta("article:modified_time", "og:updated_time"), OPEN_GRAPH),
    )
    for value, method in candidates:
        if value and value != published:
            return value, method
    return None, None


def _reading_time(page: _Page) -> tuple[int | None, str | None]:
    text = page.text("span.article-duration")
    if text and (match := _READING_TIME.search(text)):
        return int(match.group(1)), RTL
    duration = _ld_string(page.ld.get("timeRequired"))
    if duration and (match := _ISO_MINUTES.match(duration)) and any(match.groups()):
        hours, minutes = (int(g or 0) for g in match.groups())
        return hours * 60 + minutes, JSON_LD
    return None, None


def _tags(page: _Page) -> tuple[list[str], str | None]:
    tags = [
        normalize_text(element_text(node.root))
        for node in page.article.css("div.article-follow a.btn-follow")
    ]
    if tags := dedupe(tags):
        return tags, RTL
    tags = [normalize_text(v) for v in page.sel.xpath("//meta[@property='article:tag']/@content")
            .getall()]
    if tags := dedupe(tags):
        return tags, OPEN_GRAPH
    return [], None


def _split_keywords(values: list[str]) -> list[str]:
    return dedupe(normalize_text(part) for value in values for part in value.split(","))


def _keywords(page: _Page) -> tuple[list[str], str | None]:
    values = page.sel.xpath(
        "//meta[@name='keywords' or @name='news_keywords']/@content"
    ).getall()
    if keywords := _split_keywords(values):
        return keywords, META
    ld_values = [k for k in _ld_list(page.ld.get("keywords")) if isinstance(k, str)]
    if keywords := _split_keywords(ld_values):
        return keywords, JSON_LD
    return [], None


def _node_text(nodes: list[Selector]) -> str:
    return normalize_text(element_text(nodes[0].root)) if nodes else ""


def _image(page: _Page) -> tuple[dict[str, Any] | None, str | None]:
    """The main image. Its URL is ``og:image`` (full size) whenever present, as the item
    contract says; the method names where the image itself was identified."""
    og_url = page.absolute(page.meta("og:image", "og:image:url", "og:image:secure_url"))
    figures = page.article.css("figure.article-media-figure")
    if figures:
        figure = figures[0]
        src = figure.css("img.media-item::attr(src)").get() or figure.css(
            "img::attr(data-src), img::attr(src)"
        ).get()
        if url := og_url or page.absolute(src):
            caption = _node_text(figure.css("span.article-media-figcaption-title"))
            credit = _node_text(figure.css("span.article-media-figcaption-credits"))
            image = {"url": url, "caption": caption or None, "credit": strip_credit_prefix(credit)}
            return image, RTL
    ld_image = next(iter(_ld_list(page.ld.get("image"))), None)
    caption = credit = None
    if isinstance(ld_image, dict):
        caption = _ld_string(ld_image.get("caption"))
        credit = strip_credit_prefix(
            _ld_string(ld_image.get("creditText") or ld_image.get("copyrightHolder"))
        )
    if og_url:
        return {"url": og_url, "caption": caption, "credit": credit}, OPEN_GRAPH
    if url := page.absolute(_ld_string(ld_image)):
        return {"url": url, "caption": caption, "credit": credit}, JSON_LD
    return None, None


def _template_blocks(page: _Page) -> list[dict[str, str]]:
    masks = page.article.css("div.article-mask")
    container = masks[0] if masks else page.article
    blocks = []
    last: etree._Element | None = None
    for node in container.xpath(".//*[@class]"):
        element = node.root
        classes = class_tokens(element)
        if "article-p" in classes and element.tag == "p":
            kind = "paragraph"
        elif "article-title" in classes:
            kind = "heading"
        else:
            continue
        if _is_noise(element) or _inside_noise(element, container.root):
            continue
        # A block nested in the previous block is already part of its text.
        if last is not None and any(a is last for a in element.iterancestors()):
            continue
        last = element
        text = element_text(element, skip=_is_noise)
        if kind == "heading":
            text = normalize_text(text)
        if text:
            blocks.append({"type": kind, "text": text})
    return blocks


def _json_ld_blocks(page: _Page) -> list[dict[str, str]]:
    body = page.ld.get("articleBody")
    if not isinstance(body, str) or not body.strip():
        return []
    # JSON escapes can carry NUL and lone surrogates, which the markup parser chokes on.
    body = strip_controls(body)
    if "<" in body:
        return _markup_blocks(body)
    text = markup_to_text(body)
    # Bodies are written with blank lines between paragraphs, or with single newlines
    # when the CMS flattened them; either way one line is one paragraph.
    return [
        {"type": "paragraph", "text": line}
        for line in (normalize_text(p) for p in text.split("\n"))
        if line
    ]


def _markup_blocks(markup: str) -> list[dict[str, str]]:
    sel = Selector(text=f"<div>{markup}</div>")
    blocks = []
    for node in sel.xpath("//div[1]/*"):
        tag = node.root.tag.lower() if isinstance(node.root.tag, str) else ""
        text = element_text(node.root)
        if not text:
            continue
        if re.fullmatch(r"h[1-6]", tag):
            blocks.append({"type": "heading", "text": normalize_text(text)})
        else:
            blocks.extend({"type": "paragraph", "text": p} for p in text.split("\n\n") if p)
    if not blocks and (text := element_text(sel.root)):
        blocks = [{"type": "paragraph", "text": p} for p in text.split("\n\n") if p]
    return blocks


def _body(page: _Page) -> tuple[list[dict[str, str]], str | None]:
    if blocks := _template_blocks(page):
        return blocks, RTL
    if blocks := _json_ld_blocks(page):
        return blocks, JSON_LD
    return [], None


def _related(page: _Page, base_url: str | None, own: set[str]) -> list[str]:
    hrefs = page.article.css(
        "div.article-related a::attr(href), "
        "div.article-recommendation li.item a.item-link::attr(href)"
    ).getall()
    urls = []
    for href in hrefs:
        absolute = page.absolute(href)
        if absolute and absolute.startswith(("http://", "https://")):
            canonical = canonicalize_url(absolute, base_url)
            if canonical not in own:
                urls.append(canonical)
    return dedupe(urls)


def _language(page: _Page) -> tuple[str | None, str | None]:
    candidates = (
        (page.sel.xpath("/html/@lang | /html/@xml:lang").get(), META),
        (_ld_string(page.ld.get("inLanguage")), JSON_LD),
        (page.meta("og:locale"), OPEN_GRAPH),
        (page.sel.xpath(
            "//meta[translate(@http-equiv,'CONTENT-LANGUAGE','content-language')"
            "='content-language']/@content").get(), META),
    )
    for value, method in candidates:
        primary = re.split(r"[-_,\s]", normalize_text(value).lower())[0] if value else ""
        if re.fullmatch(r"[a-z]{2,3}", primary):
            return primary, method
    return None, None


def _canonical(page: _Page, base_url: str | None) -> tuple[str, str]:
    href = page.sel.css("link[rel~=canonical]::attr(href)").get()
    if url := page.absolute(href):
        return canonicalize_url(url, base_url), META
    if url := page.absolute(page.meta("og:url")):
        return canonicalize_url(url, base_url), OPEN_GRAPH
    return canonicalize_url(page.response.url, base_url), RTL


def _section(page: _Page, canonical: str) -> tuple[str | None, str | None]:
    section = section_from_url(canonical) or section_from_url(page.response.url)
    if section:
        return section, RTL
    for value, method in (
        (_ld_string(page.ld.get("articleSection")), JSON_LD),
        (page.meta("article:section"), OPEN_GRAPH),
    ):
        if value and (slug := _slug(value)):
            return slug, method
    return None, None


def _slug(value: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _discovered_as(response: Response) -> str | None:
    try:
        return response.meta.get("discovered_as")
    except AttributeError:
        # A response built outside a crawl (tests, the extract CLI) has no request.
        return None


def _aliases(page: _Page, canonical: str) -> list[str]:
    amp = page.absolute(page.sel.css("link[rel~=amphtml]::attr(href)").get())
    discovered = _discovered_as(page.response)
    return dedupe(
        [canonical, page.response.url, amp or "", page.absolute(discovered) or ""]
    )


def parse_article(
    response: Response, base_url: str | None = None, selector: Selector | None = None
) -> ArticleItem:
    """Parse an article page; missing parts come out as ``None`` or empty lists.

    ``base_url`` is the configured site root: URLs on that host (with or without ``www.``,
    http or https) are rewritten onto it. ``selector`` is the page already parsed (from
    ``crawler.parsing.encoding.page_text``), so that a caller that inspected it does not
    pay for parsing a large page twice. Raises ``ValueError`` only for a response that is
    not text; any text, however malformed, gives an item.
    """
    if not isinstance(response, TextResponse):
        raise ValueError(f"not a text response: {response.url}")
    page = _Page(response, selector)
    item = ArticleItem(url=response.url)
    methods: dict[str, str | None] = {}

    item.canonical_url, methods["canonical_url"] = _canonical(page, base_url)
    item.article_id = article_id_from_url(item.canonical_url) or article_id_from_url(
        response.url
    )
    methods["article_id"] = RTL if item.article_id else None
    item.section, methods["section"] = _section(page, item.canonical_url)
    item.title, methods["title"] = _title(page)
    item.lead, methods["lead"] = _lead(page)
    item.authors, methods["authors"] = _authors(page)
    item.co_credit, methods["co_credit"] = _co_credit(page)
    item.published_at, methods["published_at"] = _published(page)
    item.modified_at, methods["modified_at"] = _modified(page, item.published_at)
    item.reading_time_minutes, methods["reading_time_minutes"] = _reading_time(page)
    item.tags, methods["tags"] = _tags(page)
    item.keywords, methods["keywords"] = _keywords(page)
    item.image, methods["image"] = _image(page)
    item.body_blocks, methods["body_blocks"] = _body(page)
    if item.body_blocks:
        item.body = normalize_multiline("\n\n".join(b["text"] for b in item.body_blocks))
        methods["body"] = methods["body_blocks"]
    own = {item.canonical_url, canonicalize_url(response.url, base_url)}
    item.related_urls = _related(page, base_url, own)
    methods["related_urls"] = RTL if item.related_urls else None
    item.language, methods["language"] = _language(page)
    item.aliases = _aliases(page, item.canonical_url)
    # Keys follow the item's field order so that the JSON output reads top to bottom.
    item.extraction = {
        f.name: method for f in dataclasses.fields(item) if (method := methods.get(f.name))
    }
    return item
