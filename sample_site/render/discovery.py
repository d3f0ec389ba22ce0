"""Pages that announce articles: robots.txt, sitemaps, the RSS feed, section listings,
the home page, and the error pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape as xml_escape

from sample_site.render.chrome import SECTIONS, head_noise, site_footer, site_header
from sample_site.render.text import date_fr, esc, typo
from sample_site.urls import tag_path

NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
LISTING_PAGE_SIZE = 5


@dataclass(frozen=True)
class Card:
    """One article as announced: in a listing card, a sitemap entry or a feed item."""

    title: str
    lead: str
    #: Path (and possibly query/fragment/``/amp``) as the link shows it.
    href: str
    #: Listing date; ``None`` when the card shows none.
    published_at: datetime | None
    tag: str = ""
    lastmod: datetime | None = None


def robots_txt(base_url: str) -> str:
    return (
        "User-agent: *\n"
        "Disallow: /private/\n"
        "Disallow: /commentaire/signaler\n"
        "\n"
        f"Sitemap: {base_url}/sitemap.xml\n"
    )


def sitemap_index(base_url: str, entries: list[tuple[str, datetime]]) -> str:
    """An index of the sitemaps at these paths, each with its ``lastmod``."""
    listed = "".join(
        f"<sitemap><loc>{base_url}{path}</loc><lastmod>{lastmod.isoformat()}</lastmod>"
        "</sitemap>"
        for path, lastmod in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sitemapindex xmlns="{SITEMAP_NS}">{listed}</sitemapindex>\n'
    )


def news_sitemap(base_url: str, cards: list[Card]) -> str:
    urls = []
    for card in cards:
        assert card.published_at is not None, "sitemap entries carry a publication date"
        urls.append(
            f"<url><loc>{xml_escape(base_url + card.href)}</loc>"
            f"<lastmod>{(card.lastmod or card.published_at).isoformat()}</lastmod>"
            "<news:news><news:publication><news:name>RTL</news:name>"
            "<news:language>fr</news:language></news:publication>"
            f"<news:publication_date>{card.published_at.isoformat()}"
            f"</news:publication_date><news:title>{xml_escape(card.title)}</news:title>"
            "</news:news></url>\n"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="{SITEMAP_NS}" xmlns:news="{NEWS_NS}">\n{"".join(urls)}</urlset>\n'
    )


def sections_sitemap(base_url: str) -> str:
    urls = "".join(f"<url><loc>{base_url}/actu/{slug}</loc></url>" for slug, _ in SECTIONS)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="{SITEMAP_NS}"><url><loc>{base_url}/</loc></url>{urls}</urlset>\n'
    )


def rss_feed(base_url: str, cards: list[Card], built: datetime) -> str:
    items = []
    for card in cards:
        assert card.published_at is not None, "feed items carry a publication date"
        items.append(
            f"<item><title>{xml_escape(card.title)}</title>"
            f"<link>{xml_escape(base_url + card.href)}</link>"
            f"<description>{xml_escape(card.lead)}</description>"
            f"<pubDate>{format_datetime(card.published_at)}</pubDate>"
            f'<guid isPermaLink="false">{xml_escape(card.href.split("?")[0].split("#")[0])}'
            "</guid></item>\n"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>RTL - À la une</title><link>{base_url}/</link>"
        "<description>Toute l'actualité en France et dans le monde</description>"
        f"<language>fr</language><lastBuildDate>{format_datetime(built)}</lastBuildDate>\n"
        + "".join(items)
        + "</channel></rss>\n"
    )


def _page(title: str, content: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8">'
        f"<title>{typo(title)} - RTL</title>{head_noise()}</head>\n<body>"
        + site_header()
        + f'<main class="main-content">{content}</main>'
        + site_footer()
        + "</body></html>\n"
    )


def _card(card: Card, relative_date: bool) -> str:
    if card.published_at is None:
        date = ""
    elif relative_date:
        # Relative dates are how the newest cards read; machines get no datetime here.
        date = '<span class="post-date">il y a 3 heures</span>'
    else:
        date = (f'<time datetime="{card.published_at.isoformat()}">publié le '
                f"{date_fr(card.published_at)}</time>")
    tag = f'<a class="tag" href="{tag_path(card.tag)}">{typo(card.tag)}</a>' if card.tag else ""
    return (
        f'<div class="post-preview">{tag}'
        f'<h2 class="post-title"><a href="{esc(card.href)}">{typo(card.title)}</a></h2>'
        f'<p class="post-hat">{typo(card.lead)}</p>{date}</div>'
    )


def listing_pages(section: str, label: str, cards: list[Card]) -> list[str]:
    """The pages of a section listing, five cards each, newest first."""
    chunks = [cards[i : i + LISTING_PAGE_SIZE]
              for i in range(0, len(cards), LISTING_PAGE_SIZE)] or [[]]
    pages = []
    for number, chunk in enumerate(chunks, start=1):
        body = "".join(_card(card, number == 1 and n == 0) for n, card in enumerate(chunk))
        nav = ""
        if number > 1:
            previous = f"/actu/{section}" + (f"?page={number - 1}" if number > 2 else "")
            nav += f'<a class="pagination-prev" rel="prev" href="{previous}">Précédent</a>'
        if number < len(chunks):
            nav += (f'<a class="pagination-next" rel="next" href="/actu/{section}?page='
                    f'{number + 1}">Page suivante</a>')
        pages.append(_page(
            label,
            f'<h1 class="section-title">{typo(label)}</h1><div class="posts">{body}</div>'
            f'<nav class="pagination">{nav}</nav>',
        ))
    return pages


def home_page(cards: list[Card]) -> str:
    sections = "".join(
        f'<li><a href="/actu/{slug}">{typo(label)}</a></li>' for slug, label in SECTIONS
    )
    une = "".join(_card(card, False) for card in cards)
    return _page(
        "Toute l'actualité en direct",
        f'<ul class="home-sections">{sections}</ul>'
        '<a class="rss" href="/flux/une.rss">Flux RSS</a>'
        f'<section class="a-la-une"><h2>À la Une</h2>{une}</section>',
    )


def error_page(status: int, message: str) -> str:
    return _page(f"Erreur {status}", f'<h1 class="error">{status}</h1><p>{typo(message)}</p>')
