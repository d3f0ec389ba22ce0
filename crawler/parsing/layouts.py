"""Site layouts as data: which page markup a layout version recognises, and where each of
its fields lives.

A :class:`Layout` is one version of one site's article template (``site:rtl/v2019``). It
is chosen by markers found on the page, never by date alone, and declares a source per
field: mostly a CSS selector through the small builders below (:func:`text`,
:func:`texts`, :func:`minutes`, :func:`links`, :func:`ld`), a function where a selector is
not enough. What a layout leaves empty is filled by the generic layer
(``crawler.parsing.generic``); a source that returns :data:`ABSENT` says the page has no
such field (an article without a lead image), so no fallback guesses one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from parsel import Selector

from crawler.parsing import jsonld
from crawler.parsing.document import Page, node_text
from crawler.parsing.text import dedupe
from crawler.parsing.urls import canonicalize_url


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"

    def __bool__(self) -> bool:
        return False


#: A field the layout knows the page does not have: no fallback layer is asked.
ABSENT: Any = _Absent()


@dataclass
class Context:
    """What a field source sees: the page, the article root of the layout (the page for
    the generic layer), the configured site root, and the fields decided so far."""

    page: Page
    root: Selector
    base_url: str | None = None
    found: dict[str, Any] = field(default_factory=dict)


Source = Callable[[Context], Any]


@dataclass(frozen=True)
class Layout:
    """One layout version of one site."""

    #: Site name (``rtl``), also the prefix of its article identities.
    site: str
    #: Layout version, named after the year it appeared (``v2019``).
    version: str
    #: True when the page is in this layout.
    matches: Callable[[Page], bool]
    #: Field name -> source; fields not listed are left to the generic layer.
    fields: Mapping[str, Source]
    #: CSS of the article element the field selectors are scoped to (``None``: the page).
    root: str | None = None
    #: What the layout was built from, for people reading the registry.
    notes: str = ""

    @property
    def method(self) -> str:
        """The extraction method recorded for the fields this layout fills."""
        return f"site:{self.site}/{self.version}"


def or_absent(source: Source) -> Source:
    """The source, with "nothing found" meaning the page has none: for optional fields
    (lead, byline, update time) of a layout that always shows them when they exist."""

    def wrapped(ctx: Context) -> Any:
        return source(ctx) or ABSENT

    return wrapped


def any_of(*css: str) -> Callable[[Page], bool]:
    """A marker test: any of the selectors matches something on the page.

    Tried one by one, stopping at the first match: a group would be a union that walks
    the page once per selector whatever matched first, and a selector by class alone
    tests every element of the page."""

    def matches(page: Page) -> bool:
        # A newer layout asks whether an older one matches before that one is tried.
        key = ("any_of", css)
        if key not in page.memo:
            page.memo[key] = any(page.sel.css(selector) for selector in css)
        return page.memo[key]

    return matches


def text(css: str) -> Source:
    """The text of the first match in the article root (then the page), outside noise."""
    return lambda ctx: ctx.page.text(css, ctx.root)


def texts(css: str) -> Source:
    """The texts of every match in the article root, page order, no repeats."""
    return lambda ctx: dedupe(node_text(node) for node in ctx.root.css(css))


_MINUTES = re.compile(r"(\d+)\s*min", re.IGNORECASE)


def minutes(css: str) -> Source:
    """A reading time written "N min de lecture", as whole minutes."""

    def source(ctx: Context) -> int | None:
        value = ctx.page.text(css, ctx.root)
        match = _MINUTES.search(value or "")
        return int(match.group(1)) if match else None

    return source


def links(*css: str) -> Source:
    """Canonical URLs of the links matched by ``css`` (related articles), not the page's
    own URL, no repeats."""
    selector = ", ".join(f"{c}::attr(href)" for c in css)

    def source(ctx: Context) -> list[str]:
        own = {ctx.found.get("canonical_url"),
               canonicalize_url(ctx.page.response.url, ctx.base_url)}
        urls = []
        for href in ctx.root.css(selector).getall():
            if absolute := ctx.page.absolute(href):
                canonical = canonicalize_url(absolute, ctx.base_url)
                if canonical not in own:
                    urls.append(canonical)
        return dedupe(urls)

    return source


def ld(key: str) -> Source:
    """A text value of the page's JSON-LD article object."""
    return lambda ctx: jsonld.as_text(ctx.page.ld.get(key))
