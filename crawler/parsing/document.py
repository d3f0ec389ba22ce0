"""One parsed page and the lookups every parser layer shares (meta tags, scoped text,
absolute links, the JSON-LD article)."""

from __future__ import annotations

from functools import cached_property
from typing import Any
from urllib.parse import urljoin

from lxml import etree
from parsel import Selector, SelectorList
from scrapy.http import TextResponse
from scrapy.utils.response import get_base_url as scrapy_base_url
from w3lib.html import get_base_url

from crawler.parsing import jsonld
from crawler.parsing.encoding import page_selector
from crawler.parsing.text import decode_entities, element_text, normalize_text
from crawler.parsing.vocabulary import inside, is_noise

#: How much of a page :func:`base_url` reads: Scrapy reads the first 4,096 characters,
#: which UTF-8 writes in at most four times as many bytes.
BASE_SCAN_BYTES = 4 * 4096


def base_url(response: TextResponse) -> str:
    """What ``response.urljoin`` joins links to (Scrapy's ``get_base_url``), read from
    the bytes: Scrapy decodes the whole page for it, several hundred kilobytes to look
    at the first four."""
    try:
        return get_base_url(
            response.body, response.url, response.encoding, max_scan=BASE_SCAN_BYTES
        )
    except (UnicodeDecodeError, LookupError):
        # w3lib decodes a page it cannot scan as bytes (UTF-16) strictly when it is
        # shorter than the scan: Scrapy's way, from the decoded text, copes.
        return scrapy_base_url(response)


class Page:
    """A response with its parsed tree; cheap lookups, expensive ones cached."""

    def __init__(self, response: TextResponse, selector: Selector | None = None) -> None:
        self.response = response
        if selector is None:
            selector = page_selector(response)
        self.sel = selector
        #: Answers worked out once per page and asked for again (a layout's markers).
        self.memo: dict[Any, Any] = {}

    @cached_property
    def ld(self) -> dict[str, Any]:
        """The schema.org article object of the page's JSON-LD, or ``{}``."""
        return jsonld.find_article(self.sel)

    def scope(self, css: str | None) -> Selector:
        """The first element matching ``css`` (a layout's article root), else the page."""
        if css:
            roots = self.sel.css(css)
            if roots:
                return roots[0]
        return self.sel

    def meta(self, *names: str) -> str | None:
        """First non-empty ``content`` of ``meta[property=...]``, ``[name=...]`` or
        ``[itemprop=...]`` for the names in order.

        Entity references left in the value after HTML parsing ("L&#039;info": escaped
        twice by the CMS) are decoded once more: a head value is never shown as markup.
        """
        for name in names:
            for attr in ("property", "name", "itemprop"):
                for value in self._meta_contents.get((attr, name), ()):
                    text = normalize_text(decode_entities(value))
                    if text:
                        return text
        return None

    def meta_values(self, attr: str, *names: str) -> list[str]:
        """Every ``content`` of ``meta[attr=name]`` for the names, in document order, as
        found (what ``//meta[@attr='name']/@content`` gives)."""
        wanted = set(names)
        return [content for a, value, content in self._metas if a == attr and value in wanted]

    @cached_property
    def _metas(self) -> list[tuple[str, str, str]]:
        """``(attribute, value, content)`` of the page's ``meta`` elements in document
        order: one walk of the tree instead of a query per name."""
        metas = []
        for element in self.sel.root.iter("meta"):
            content = element.get("content")
            if content is None:
                continue
            for attr in ("property", "name", "itemprop"):
                value = element.get(attr)
                if value is not None:
                    metas.append((attr, value, content))
        return metas

    @cached_property
    def _meta_contents(self) -> dict[tuple[str, str], list[str]]:
        """``(attribute, value) -> [content, ...]``, document order."""
        contents: dict[tuple[str, str], list[str]] = {}
        for attr, value, content in self._metas:
            contents.setdefault((attr, value), []).append(content)
        return contents

    def text(self, css: str, root: Selector | None = None, *, test=is_noise) -> str | None:
        """Text of the first non-empty match in ``root``, then anywhere (a template may
        move the header out of the article element), never inside noise."""
        root = root if root is not None else self.sel
        scopes = [root] if root is self.sel else [root, self.sel]
        for scope in scopes:
            for node in scope.css(css):
                if inside(node.root, scope.root, test):
                    continue
                text = normalize_text(element_text(node.root, skip=test))
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
            absolute = urljoin(self.base_url, url)
        except ValueError:
            # urljoin refuses some hostile values (an unbalanced "[" in the host).
            return None
        return absolute if absolute.lower().startswith(("http://", "https://")) else None

    @cached_property
    def base_url(self) -> str:
        return base_url(self.response)

    @property
    def title_tag(self) -> str | None:
        title = self.sel.xpath("string(//head/title)").get()
        return normalize_text(decode_entities(title)) or None


def node_text(node: Selector | SelectorList | etree._Element | None, skip=None) -> str:
    """Whitespace-normalised text of a node, or of the first of a list (``""`` for
    none)."""
    if isinstance(node, SelectorList):
        node = node[0] if node else None
    if node is None:
        return ""
    element = node.root if isinstance(node, Selector) else node
    return normalize_text(element_text(element, skip=skip))
