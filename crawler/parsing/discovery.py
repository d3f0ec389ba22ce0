"""Where articles are announced: robots.txt, sitemaps, RSS feeds and section listings.

Pure functions of the fetched document; the spider decides what to request from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from parsel import Selector
from protego import Protego
from scrapy.http import TextResponse

from crawler.parsing.dates import parse_date

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
# Scrapy's own sitemap reader keeps only the core namespace; the news extension carries
# the publication date that incremental runs compare against, so it is read here.
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"


@dataclass(frozen=True)
class Link:
    """A URL announced by a discovery document, with the dates the document gives."""

    url: str
    #: When the page last changed (sitemap ``lastmod``), if given.
    lastmod: datetime | None = None
    #: First publication (``news:publication_date``, RSS ``pubDate``, listing date).
    published_at: datetime | None = None


@dataclass(frozen=True)
class Sitemap:
    """A parsed sitemap: either an index of other sitemaps or a set of page links."""

    is_index: bool
    links: list[Link]


def sitemaps_from_robots(robots_txt: str) -> list[str]:
    """Return the ``Sitemap:`` URLs declared in a robots.txt body."""
    return list(Protego.parse(robots_txt).sitemaps)


def parse_sitemap(body: bytes | str) -> Sitemap:
    """Parse a sitemap index or urlset, including Google News dates."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    sel = Selector(text=text, type="xml")
    sel.register_namespace("sm", SITEMAP_NS)
    sel.register_namespace("news", NEWS_NS)
    if sel.xpath("/sm:sitemapindex"):
        links = [
            Link(url=loc.strip(), lastmod=parse_date(node.xpath("sm:lastmod/text()").get()))
            for node in sel.xpath("/sm:sitemapindex/sm:sitemap")
            if (loc := node.xpath("sm:loc/text()").get())
        ]
        return Sitemap(is_index=True, links=links)
    links = []
    for node in sel.xpath("/sm:urlset/sm:url"):
        loc = node.xpath("sm:loc/text()").get()
        if not loc:
            continue
        links.append(
            Link(
                url=loc.strip(),
                lastmod=parse_date(node.xpath("sm:lastmod/text()").get()),
                published_at=parse_date(
                    node.xpath("news:news/news:publication_date/text()").get()
                ),
            )
        )
    return Sitemap(is_index=False, links=links)


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
        date_text = " ".join(card.css("time::attr(datetime), .post-date ::text").getall())
        links.append(Link(url=response.urljoin(href.strip()), published_at=parse_date(date_text)))
    next_href = response.css(
        "a.pagination-next::attr(href), a[rel=next]::attr(href), link[rel=next]::attr(href)"
    ).get()
    return links, response.urljoin(next_href) if next_href else None
