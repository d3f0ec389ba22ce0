"""Where articles are announced: robots.txt, sitemaps, RSS feeds and section listings.

Pure functions of the fetched document; the spider decides what to request from them.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO

from lxml import etree
from parsel import Selector
from protego import Protego
from scrapy.http import Response, TextResponse
from scrapy.utils._compression import _DecompressionMaxSizeExceeded
from scrapy.utils.gz import gunzip, gzip_magic_number

from crawler.parsing.dates import parse_date


@dataclass(frozen=True)
class Link:
    """A URL announced by a discovery document, with the dates the document gives."""

    url: str
    #: When the page last changed (sitemap ``lastmod``), if given.
    lastmod: datetime | None = None
    #: First publication (``news:publication_date``, RSS ``pubDate``, listing date).
    published_at: datetime | None = None


class SitemapError(ValueError):
    """A sitemap that is not read; ``reason`` names why, as the run's stats count it."""

    reason = "invalid"


class SitemapTooLarge(SitemapError):
    """A sitemap bigger than the cap once decompressed (a gzip bomb among others)."""

    reason = "too_large"


def sitemaps_from_robots(robots_txt: str) -> list[str]:
    """Return the ``Sitemap:`` URLs declared in a robots.txt body."""
    return list(Protego.parse(robots_txt).sitemaps)


def sitemap_body(response: Response, max_size: int) -> bytes:
    """The XML of a sitemap response, gunzipped when the body is gzip data.

    Sitemaps are often files (``sitemap.xml.gz``) served as they are, without
    ``Content-Encoding``: Scrapy's compression middleware leaves those alone, so the body
    is recognised by its magic number and gunzipped here with Scrapy's own ``gunzip``,
    which stops as soon as ``max_size`` bytes (0: no cap) have come out: a small gzip
    bomb is refused after expanding to the cap, never to its full size. Raises
    :class:`SitemapTooLarge` past the cap and :class:`SitemapError` for broken gzip data.
    """
    if not gzip_magic_number(response):
        if max_size and len(response.body) > max_size:
            raise SitemapTooLarge(f"{len(response.body)} B, over the cap of {max_size} B")
        return response.body
    try:
        return gunzip(response.body, max_size=max_size)
    except _DecompressionMaxSizeExceeded as exc:
        raise SitemapTooLarge(
            f"{len(response.body)} B of gzip data went past the cap of {max_size} B "
            "once decompressed; decompression stopped there"
        ) from exc
    except (OSError, EOFError, struct.error, zlib.error) as exc:
        raise SitemapError(f"broken gzip data: {exc}") from exc


def _local_name(tag: object) -> str:
    # Sitemaps in the wild use the core namespace, an old one, or none: match on the name.
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


class SitemapEntries:
    """The entries of a sitemap index or urlset, parsed as they are iterated.

    ``kind`` is the root element's name (``sitemapindex``, ``urlset``, or something else
    for a document that is no sitemap; ``None`` when it is not XML at all). Iterating
    yields one :class:`Link` per ``<sitemap>`` or ``<url>`` entry with a ``<loc>``, with
    its ``lastmod`` and, in Google News sitemaps, its ``news:publication_date`` (Scrapy's
    sitemap reader drops that one, which incremental runs compare against). Each entry's
    elements are freed once read, so an index of 50,000 sitemaps never exists as a tree
    or a list; the entries can be iterated once.
    """

    def __init__(self, body: bytes) -> None:
        self._events = etree.iterparse(
            BytesIO(body),
            events=("start", "end"),
            recover=True,
            resolve_entities=False,
            no_network=True,
            remove_comments=True,
            remove_pis=True,
        )
        self.kind: str | None
        try:
            _, root = next(self._events)
        except (StopIteration, etree.XMLSyntaxError):
            self.kind = None
        else:
            self.kind = _local_name(root.tag)

    def __iter__(self) -> Iterator[Link]:
        entry = {"sitemapindex": "sitemap", "urlset": "url"}.get(self.kind or "")
        if entry is None:
            return
        try:
            for event, element in self._events:
                if event == "end" and _local_name(element.tag) == entry:
                    link = _entry_link(element)
                    _release(element)
                    if link is not None:
                        yield link
        except etree.XMLSyntaxError:
            # recover=True repairs most damage; what it cannot is the end of the entries.
            return


def _entry_link(element: etree._Element) -> Link | None:
    values: dict[str, str] = {}
    for child in element:
        name = _local_name(child.tag)
        if name in ("loc", "lastmod") and child.text:
            values[name] = child.text.strip()
        elif name == "news":
            for node in child:
                if _local_name(node.tag) == "publication_date" and node.text:
                    values["published"] = node.text.strip()
    if not values.get("loc"):
        return None
    return Link(
        url=values["loc"],
        lastmod=parse_date(values.get("lastmod")),
        published_at=parse_date(values.get("published")),
    )


def _release(element: etree._Element) -> None:
    """Free an entry read, and the entries before it still hanging off the root."""
    element.clear()
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def parse_feed(response: TextResponse) -> list[Link]:
    """Return the article links of an RSS 2.0 or Atom feed, newest as listed."""
    sel = Selector(text=response.text, type="xml")
    sel.remove_namespaces()
    links = []
    for item in sel.xpath("//item | //entry"):
        url = item.xpath("link/text()").get() or item.xpath("link/@href").get()
        if not url:
            continue
        date = item.xpath("pubDate/text()").get() or item.xpath("published/text()").get()
        links.append(Link(url=response.urljoin(url.strip()), published_at=parse_date(date)))
    return links


def parse_listing(response: TextResponse) -> tuple[list[Link], str | None]:
    """Return the article cards of a section listing page and the next page's URL."""
    links = []
    for card in response.css("div.post-preview"):
        href = card.css("h2.post-title a::attr(href)").get() or card.css("a::attr(href)").get()
        if not href:
            continue
        # The machine-readable date when there is one: the visible text goes through
        # dateparser, which costs a listing page more than all its other cards' work.
        stamp = card.css("time::attr(datetime)").get()
        published = parse_date(stamp) if stamp else None
        if published is None:
            date_text = " ".join(card.css("time::attr(datetime), .post-date ::text").getall())
            published = parse_date(date_text)
        links.append(Link(url=response.urljoin(href.strip()), published_at=published))
    next_href = response.css(
        "a.pagination-next::attr(href), a[rel=next]::attr(href), link[rel=next]::attr(href)"
    ).get()
    return links, response.urljoin(next_href) if next_href else None
