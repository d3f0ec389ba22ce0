"""Sitemaps served the way large news sites serve them: gzipped, split into many daily
archive sitemaps under one index, and (for the crawler's size cap) gzip bombs.

The default :data:`PLAIN` style is the site described in the README: an index of two plain
XML sitemaps. The other styles change only the sitemap pages.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from io import BytesIO
from xml.sax.saxutils import escape as xml_escape
from zoneinfo import ZoneInfo

from sample_site.articles import paris
from sample_site.render import discovery

PARIS = ZoneInfo("Europe/Paris")
GZIP_FILE = "application/x-gzip"
NEWS_GZ_PATH = "/sitemaps/news.xml.gz"
#: A gzip file, served as it is.
BOMB_FILE_PATH = "/sitemaps/bomb.xml.gz"
#: Plain XML sent gzipped on the wire (``Content-Encoding: gzip``).
BOMB_ENCODED_PATH = "/sitemaps/bomb.xml"


@dataclass(frozen=True)
class SitemapStyle:
    """How the sitemaps are served."""

    #: The news sitemap as a gzip file at ``/sitemaps/news.xml.gz`` (``Content-Type:
    #: application/x-gzip``, no ``Content-Encoding``), listed in the index instead of
    #: ``/sitemaps/news.xml``; the index itself sent with ``Content-Encoding: gzip``.
    gzip: bool = False
    #: Daily archive sitemaps listed in the index after the others, one for each of this
    #: many days up to the newest article's: ``/sitemaps/archive/<YYYY-MM-DD>.xml`` lists
    #: the sitemap's articles published that day (Paris time); its ``lastmod`` in the
    #: index is their newest change, or 23:59 that day when it lists none.
    archive_days: int = 0
    #: When not 0, the index also lists two gzip bombs, ``/sitemaps/bomb.xml.gz`` (a gzip
    #: file) and ``/sitemaps/bomb.xml`` (``Content-Encoding: gzip``): each a valid urlset
    #: of the articles that are in no sitemap, padded with spaces to this many bytes
    #: once decompressed.
    bomb_bytes: int = 0


PLAIN = SitemapStyle()


@dataclass(frozen=True)
class SitemapDocument:
    """One sitemap page: its body as sent, and the headers that say how."""

    path: str
    body: bytes
    content_type: str
    modified: datetime
    headers: dict[str, str] = field(default_factory=dict)


def gzipped(data: bytes) -> bytes:
    """``data`` gzipped, the same bytes every time (no timestamp in the header)."""
    return gzip.compress(data, mtime=0)


def archive_path(day: date) -> str:
    return f"/sitemaps/archive/{day.isoformat()}.xml"


def styled_sitemaps(
    base_url: str,
    mapped: list[discovery.Card],
    unmapped: Iterable[str],
    changed: datetime,
    style: SitemapStyle,
) -> list[SitemapDocument]:
    """The index and the sitemaps it lists in ``style`` (the sections sitemap apart, which
    is the same in every style). ``mapped`` are the news sitemap's entries, ``unmapped``
    the paths of the articles in no sitemap (what the bombs list)."""
    xml = "application/xml; charset=utf-8"
    docs: list[SitemapDocument] = []
    if style.gzip:
        news = discovery.news_sitemap(base_url, mapped).encode("utf-8")
        docs.append(SitemapDocument(NEWS_GZ_PATH, gzipped(news), GZIP_FILE, changed))
        index = [(NEWS_GZ_PATH, changed)]
    else:
        index = [("/sitemaps/news.xml", changed)]
    index.append(("/sitemaps/sections.xml", changed))
    for day, cards in _archive_days(mapped, style.archive_days):
        lastmod = max((c.lastmod or c.published_at for c in cards if c.published_at),
                      default=paris(day.year, day.month, day.day, 23, 59))  # fmt: skip
        body = discovery.news_sitemap(base_url, cards).encode("utf-8")
        docs.append(SitemapDocument(archive_path(day), body, xml, lastmod))
        index.append((archive_path(day), lastmod))
    if style.bomb_bytes:
        bomb = _bomb(base_url, unmapped, style.bomb_bytes)
        docs.append(SitemapDocument(BOMB_FILE_PATH, bomb, GZIP_FILE, changed))
        docs.append(SitemapDocument(BOMB_ENCODED_PATH, bomb, xml, changed,
                                    {"Content-Encoding": "gzip"}))  # fmt: skip
        index += [(BOMB_FILE_PATH, changed), (BOMB_ENCODED_PATH, changed)]
    body = discovery.sitemap_index(base_url, index).encode("utf-8")
    if style.gzip:
        docs.append(SitemapDocument("/sitemap.xml", gzipped(body), xml, changed,
                                    {"Content-Encoding": "gzip"}))  # fmt: skip
    else:
        docs.append(SitemapDocument("/sitemap.xml", body, xml, changed))
    return docs


def _archive_days(
    mapped: list[discovery.Card], days: int
) -> list[tuple[date, list[discovery.Card]]]:
    """The last ``days`` days up to the newest publication, newest first, with the cards
    published on each."""
    dated = [c for c in mapped if c.published_at is not None]
    if not days or not dated:
        return []
    by_day: dict[date, list[discovery.Card]] = {}
    for card in dated:
        assert card.published_at is not None
        by_day.setdefault(paris_day(card.published_at), []).append(card)
    newest = max(by_day)
    return [(day, by_day.get(day, [])) for day in (newest - timedelta(n) for n in range(days))]


def paris_day(moment: datetime) -> date:
    return moment.astimezone(PARIS).date()


def _bomb(base_url: str, paths: Iterable[str], size: int) -> bytes:
    """A urlset of ``paths`` padded with spaces to ``size`` bytes, gzipped as it is
    written (the padding never exists uncompressed)."""
    entries = "".join(f"<url><loc>{xml_escape(base_url + p)}</loc></url>" for p in paths)
    head = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="{discovery.SITEMAP_NS}">{entries}').encode()  # fmt: skip
    tail = b"</urlset>\n"
    out = BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as stream:
        stream.write(head)
        chunk = b" " * (1 << 20)
        left = size - len(head) - len(tail)
        while left > 0:
            stream.write(chunk[:left])
            left -= len(chunk)
        stream.write(tail)
    return out.getvalue()
