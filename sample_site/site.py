"""Assemble the whole sample site: a map from request target (path + query) to page."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import parse_qs, urlsplit

from sample_site.articles import (
    ARTICLES,
    BROKEN_PAGES,
    PRIVATE_PATH,
    paris,
)
from sample_site.layouts import DEFAULT_LAYOUT, check_layout
from sample_site.model import PARAGRAPH, ArticleSpec, BrokenPage, CommentSpec
from sample_site.render import discovery
from sample_site.render.amp import amp_page
from sample_site.render.article import Defects
from sample_site.render.by_layout import article_html
from sample_site.render.chrome import SECTIONS
from sample_site.render.comments import comment_pages
from sample_site.sitemaps import PLAIN, SitemapStyle, styled_sitemaps
from sample_site.urls import comments_url, listing_path

HTML = "text/html; charset=utf-8"
XML = "application/xml; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
#: Last-Modified of pages that never change (robots.txt).
FIXED_DATE = paris(2019, 1, 1, 0, 0)
FEED_SIZE = 15
_DEFECTS = {
    "missing_title": Defects(no_title=True),
    "missing_date": Defects(no_dates=True),
    "empty_body": Defects(no_body=True),
}


@dataclass(frozen=True)
class Page:
    status: int
    body: bytes
    content_type: str
    #: ``ETag`` and, for content pages, ``Last-Modified``.
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def last_modified(self) -> datetime | None:
        value = self.headers.get("Last-Modified")
        return parsedate_to_datetime(value) if value is not None else None


@dataclass
class Site:
    base_url: str
    pages: dict[str, Page]
    #: The article page layout the pages were rendered in (``sample_site.layouts``).
    layout: str = DEFAULT_LAYOUT

    def get(self, target: str) -> Page:
        """The page for a request target; tracking query strings on article pages are
        ignored as a real site would, unknown targets give the 404 page."""
        target = target.split("#", 1)[0]
        if target in self.pages:
            return self.pages[target]
        path, _, query = target.partition("?")
        if query and "page" not in parse_qs(query) and path in self.pages:
            return self.pages[path]
        return NOT_FOUND


def _page(status: int, text: str | bytes, content_type: str, modified: datetime | None,
          layout: str = DEFAULT_LAYOUT, headers: dict[str, str] | None = None) -> Page:
    body = text.encode("utf-8") if isinstance(text, str) else text
    # The layout is part of the tag: after a switch even an unchanged page (a comment
    # fragment, a sitemap) is a new representation, so a cached copy never gets a 304.
    digest = hashlib.sha256(layout.encode("utf-8") + b"\n" + body).hexdigest()
    headers = {"ETag": f'"{digest[:32]}"', **(headers or {})}
    if modified is not None:
        headers["Last-Modified"] = format_datetime(modified.astimezone(UTC), usegmt=True)
    return Page(status=status, body=body, content_type=content_type, headers=headers)


NOT_FOUND = _page(404, discovery.error_page(404, "Cette page n'existe pas."), HTML, None)


def _newest_comment(comments: Iterable[CommentSpec]) -> datetime | None:
    times = [c.posted_at for c in comments]
    times += [t for c in comments if (t := _newest_comment(c.replies)) is not None]
    return max(times, default=None)


def _as_spec(broken: BrokenPage) -> ArticleSpec:
    """Article-shaped content for a broken page (the defects then remove parts)."""
    return ArticleSpec(
        article_id=broken.article_id, path_parts=broken.path_parts, slug=broken.slug,
        title=broken.title, lead=broken.lead, authors=("Clément Vasseur",), co_credit=None,
        published_at=broken.listed_at, modified_at=None, reading_time_minutes=1,
        tags=("Vie locale",), keywords=("Vie locale", "fil info"), image=None,
        body_blocks=((PARAGRAPH, broken.lead + " Les détails dans quelques instants."),),
        related=(), og_title=broken.title, og_description=broken.lead,
    )


def _link_variant(path: str, position: int) -> str:
    """How a listing links an article: plain, tracking query, fragment or AMP twin."""
    return {1: path + "?utm_source=rtl&utm_medium=listing", 2: path + "#xtor=AL-12",
            3: path + "/amp"}.get(position % 5, path)


def _cards_for_listing(section: str, articles: list[ArticleSpec]) -> list[discovery.Card]:
    entries: list[tuple[datetime, discovery.Card]] = []
    for position, spec in enumerate(s for s in articles if s.listing == section):
        href = _link_variant(spec.path, position)
        card = discovery.Card(spec.title, spec.lead, href, spec.published_at,
                              spec.tags[0] if spec.tags else "")
        entries.append((spec.published_at, card))
    for broken in BROKEN_PAGES:
        if broken.listing == section and broken.reason is not None:
            shown = None if broken.kind == "missing_date" else broken.listed_at
            entries.append((broken.listed_at, discovery.Card(
                broken.title, broken.lead, broken.path, shown, "Vie locale")))
    if section == "international":
        when = paris(2019, 9, 8, 12, 0)
        entries.append((when, discovery.Card(
            "Sommet Europe-Chine : notre brouillon", "Page interne.", PRIVATE_PATH, when,
            "Brouillon")))
    entries.sort(key=lambda entry: entry[0], reverse=True)
    return [card for _, card in entries]


def _discovery_pages(base_url: str, articles: list[ArticleSpec], layout: str,
                     sitemaps: SitemapStyle = PLAIN) -> dict[str, Page]:
    newest = sorted(articles, key=lambda s: s.published_at, reverse=True)
    changed = max((s.last_modified for s in articles), default=FIXED_DATE)
    pages = {
        "/robots.txt": _page(200, discovery.robots_txt(base_url), TEXT, FIXED_DATE, layout),
        "/sitemaps/sections.xml": _page(200, discovery.sections_sitemap(base_url), XML,
                                        FIXED_DATE, layout),
    }
    mapped = []
    for spec in newest:
        if spec.in_sitemap:
            mapped.append(discovery.Card(spec.title, spec.lead, spec.path, spec.published_at,
                                         lastmod=spec.modified_at))
        if spec.twin_path:
            mapped.append(discovery.Card(spec.title, spec.lead, spec.twin_path,
                                         spec.published_at, lastmod=spec.modified_at))
    pages["/sitemaps/news.xml"] = _page(200, discovery.news_sitemap(base_url, mapped), XML,
                                        changed, layout)
    unmapped = [spec.path for spec in newest if not spec.in_sitemap]
    for doc in styled_sitemaps(base_url, mapped, unmapped, changed, sitemaps):
        pages[doc.path] = _page(200, doc.body, doc.content_type, doc.modified, layout,
                                doc.headers)
    feed = [
        discovery.Card(s.title, s.lead, {1: s.path + "?utm_source=rss&utm_medium=feed",
                                         2: s.path + "#xtor=RSS-1"}.get(n % 3, s.path),
                       s.published_at)
        for n, s in enumerate(newest[:FEED_SIZE])
    ]
    pages["/flux/une.rss"] = _page(200, discovery.rss_feed(base_url, feed, changed), RSS,
                                   changed, layout)
    home_cards = [discovery.Card(s.title, s.lead, s.path, s.published_at) for s in newest[:6]]
    pages["/"] = _page(200, discovery.home_page(home_cards), HTML, changed, layout)
    for slug, label in SECTIONS:
        cards = _cards_for_listing(slug, articles)
        for number, html in enumerate(discovery.listing_pages(slug, label, cards), start=1):
            pages[listing_path(slug, number)] = _page(200, html, HTML, changed, layout)
    return pages


def _article_pages(base_url: str, articles: list[ArticleSpec], layout: str
                   ) -> dict[str, Page]:
    by_id = {spec.article_id: spec for spec in articles}
    newest = sorted(articles, key=lambda s: s.published_at, reverse=True)
    pages: dict[str, Page] = {}
    for spec in articles:
        une = [(s.title, base_url + s.path + "?xtor=AL-une") for s in newest
               if s.article_id != spec.article_id][:4]
        related = [by_id[i] for i in spec.related if i in by_id]
        modified = spec.last_modified
        paths = [spec.path] + ([spec.twin_path] if spec.twin_path else [])
        for path in paths:
            # The twin is the same wire copy under another section: its own canonical.
            served = spec if path == spec.path else _twin(spec)
            text = article_html(layout, served, base_url, related, une,
                                Defects(truncated=served.truncated))
            pages[path] = _page(200, text, HTML, modified, layout)
            # AMP twins keep the 2019 markup in every layout (crawlers read the article).
            pages[path + "/amp"] = _page(200, amp_page(served, base_url), HTML, modified,
                                         layout)
            newest_comment = _newest_comment(spec.comments)
            comments_modified = max(modified, newest_comment) if newest_comment else modified
            article = base_url + path
            for number, fragment in enumerate(comment_pages(served, article), start=1):
                target = urlsplit(comments_url(article, number))
                key = target.path + (f"?{target.query}" if target.query else "")
                pages[key] = _page(200, fragment, HTML, comments_modified, layout)
    return pages


def _twin(spec: ArticleSpec) -> ArticleSpec:
    assert spec.twin_path_parts is not None and spec.twin_slug is not None
    return replace(spec, path_parts=spec.twin_path_parts, slug=spec.twin_slug,
                   twin_path_parts=None, twin_slug=None)


def _broken_pages(base_url: str, layout: str) -> dict[str, Page]:
    """The broken pages in ``layout``: each defect removes the same parts in every layout."""
    pages: dict[str, Page] = {}
    for broken in BROKEN_PAGES:
        if broken.kind in _DEFECTS:
            spec = _as_spec(broken)
            html = article_html(layout, spec, base_url, [], [], _DEFECTS[broken.kind])
            pages[broken.path] = _page(200, html, HTML, broken.listed_at, layout)
            # The page exists, so its (empty) comment list does too.
            fragment = comment_pages(spec, base_url + broken.path)[0]
            pages[broken.path + "/commentaires"] = _page(200, fragment, HTML,
                                                         broken.listed_at, layout)
        elif broken.kind == "http_500":
            html = discovery.error_page(500, "Erreur interne du serveur.")
            pages[broken.path] = _page(500, html, HTML, None, layout)
        # http_404 pages are simply absent; truncated ones are rendered from ARTICLES.
    private = article_html(
        layout,
        replace(_as_spec(BROKEN_PAGES[0]), path_parts=("private", "actu", "international"),
                slug="brouillon-sommet-europe-chine", article_id="7798440160",
                title="Sommet Europe-Chine : notre brouillon"),
        base_url, [], [],
    )
    pages[PRIVATE_PATH] = _page(200, private, HTML, FIXED_DATE, layout)
    return pages


def build_site(base_url: str, articles: list[ArticleSpec] | None = None,
               layout: str = DEFAULT_LAYOUT, sitemaps: SitemapStyle = PLAIN) -> Site:
    """Render every page of the site for ``base_url`` (e.g. ``http://127.0.0.1:8123``).

    ``articles`` defaults to the bundled ``ARTICLES``; the broken pages and the robots.txt
    -protected page are always part of the site. ``layout`` (``sample_site.layouts``)
    chooses the markup of the article pages, broken ones included; a name that is not a
    layout raises ``ValueError``. ``sitemaps`` (``sample_site.sitemaps``) chooses how the
    sitemaps are served: plain XML by default, or gzipped, with daily archives, with
    gzip bombs.
    """
    check_layout(layout)
    base_url = base_url.rstrip("/")
    articles = list(ARTICLES if articles is None else articles)
    pages = _discovery_pages(base_url, articles, layout, sitemaps)
    pages.update(_broken_pages(base_url, layout))
    pages.update(_article_pages(base_url, articles, layout))
    return Site(base_url=base_url, pages=pages, layout=layout)
