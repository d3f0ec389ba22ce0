"""Tell article pages from the other pages a crawl can land on by mistake.

An article request can end on a section listing or the home page (a removed article
redirected there, a wrong link in a feed). Such a page parses into a headline (the section
name) and no body or date, which validation would report as missing fields; it is better
said as ``not_an_article``.

A page counts as an article when it has any article markup (the RTL template, a JSON-LD
article, ``og:type=article``) or, in a template never seen, one container of long
paragraphs; only pages without any, and with the signs of a listing,
are called ``not_an_article``. Pages with neither are left to validation, which names
what is missing.
"""

from __future__ import annotations

from urllib.parse import urljoin
from weakref import WeakKeyDictionary

from parsel import Selector

from crawler.parsing.blocks import largest_paragraph_group
from crawler.parsing.urls import is_article_url

NOT_AN_ARTICLE = "not_an_article"

# Tried one by one, stopping at the first match: as one group (a union) every selector
# would walk the whole page whatever matched first.
_ARTICLE_MARKUP = (
    "article.article", "article.g-article", "h1.article-header", "p.article-p",
    "meta[property='article:published_time']",
)
# A substring test is enough for a signal and avoids decoding every JSON-LD block.
_JSON_LD_ARTICLE = (
    "//script[@type='application/ld+json']"
    "[contains(., 'Article') or contains(., 'BlogPosting') or contains(., 'Report')]"
)
#: Characters of paragraph text in one container from which a page reads as an article.
MIN_ARTICLE_TEXT = 500
#: Listing cards (``div.post-preview``) from this many on make a listing.
MIN_CARDS = 2
#: Links to this many distinct article URLs, without article markup, make a listing.
MIN_ARTICLE_LINKS = 5


def _has_article_text(sel: Selector) -> bool:
    # A template never seen before still shows itself as an article by its text: one
    # container of long paragraphs, where a listing has short teasers in separate cards.
    return largest_paragraph_group(sel.root) >= MIN_ARTICLE_TEXT


#: Answers of :func:`has_article_markup` by page: the soft-error check and the listing
#: check both ask, and each asking walks the whole page several times.
_MARKUP: WeakKeyDictionary[Selector, bool] = WeakKeyDictionary()


def has_article_markup(sel: Selector) -> bool:
    """True when anything on the page says it is an article."""
    known = _MARKUP.get(sel)
    if known is None:
        known = _MARKUP[sel] = _has_article_markup(sel)
    return known


def _has_article_markup(sel: Selector) -> bool:
    if any(sel.css(css) for css in _ARTICLE_MARKUP) or sel.xpath(_JSON_LD_ARTICLE):
        return True
    og_type = sel.xpath("//meta[@property='og:type']/@content").get() or ""
    return og_type.strip().lower() == "article" or _has_article_text(sel)


def visible_text(sel: Selector) -> str:
    """The body's text as one string, scripts and styles left out (``noscript`` kept:
    challenge pages put their message there)."""
    parts = sel.xpath(
        "//body//text()[not(ancestor::script or ancestor::style or ancestor::template)]"
    ).getall()
    return " ".join(" ".join(parts).split())


def _article_links(sel: Selector, url: str) -> set[str]:
    links = set()
    for href in sel.xpath("//a/@href").getall():
        try:
            absolute = urljoin(url, href.strip())
        except ValueError:
            continue
        if is_article_url(absolute):
            links.add(absolute.split("#", 1)[0].split("?", 1)[0])
    return links


def not_an_article(sel: Selector, url: str) -> str | None:
    """Why the page is a listing or home page rather than an article (a detail for the
    rejection), or ``None``."""
    if has_article_markup(sel):
        return None
    og_type = (sel.xpath("//meta[@property='og:type']/@content").get() or "").strip().lower()
    cards = len(sel.css(".post-preview"))
    links = len(_article_links(sel, url))
    if og_type == "website" or cards >= MIN_CARDS or links >= MIN_ARTICLE_LINKS:
        seen = f"og:type {og_type!r}; " if og_type else ""
        return f"no article markup; {seen}listing cards: {cards}; links to articles: {links}"
    return None
