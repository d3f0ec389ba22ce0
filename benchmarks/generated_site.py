"""An RTL-style site of any size, rendered page by page on request, for load benchmarks.

Article ``i`` (``0 <= i < articles``) is computed from ``i`` alone: its text is drawn from
the sample site's hand-written copy (``sample_site.corpus``), its comments from the sample
site's comment factory, and its pages from the sample site's renderers. Nothing is kept per
article, so the server's memory does not grow with the size of the site, and only the pages
that are asked for are rendered.

The bundled ``sample_site`` keeps its exact, hand-checked content (the tests count on it);
this site is its bulk counterpart, without the special cases::

    python -m benchmarks.generated_site --articles 10000     # prints the base URL, serves

Discovery is what the spider reads: ``robots.txt`` -> ``/sitemap.xml`` (an index of news
sitemaps of ``SITEMAP_CHUNK`` articles each), the RSS feed, the home page and the section
listings (the newest ``LISTING_PAGES`` pages of each).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import math
import random
import re
import signal
import sys
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from functools import lru_cache
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sample_site import comment_specs as cs
from sample_site.articles import paris, slugify
from sample_site.corpus import BRIEFS, SECTION_POOLS
from sample_site.model import HEADING, PARAGRAPH, ArticleSpec, CommentSpec, ImageSpec
from sample_site.page_handler import PageHandler
from sample_site.render import discovery
from sample_site.render.amp import amp_page
from sample_site.render.article import article_page
from sample_site.render.chrome import SECTIONS
from sample_site.render.comments import comment_pages
from sample_site.site import Page
from sample_site.urls import COMMENTS_SUFFIX

HTML = "text/html; charset=utf-8"
XML = "application/xml; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
TEXT = "text/plain; charset=utf-8"

#: Article ids are FIRST_ID + i: ten digits, as the spider expects, apart from the
#: bundled site's ids.
FIRST_ID = 7_100_000_000
#: One article every STEP from FIRST_PUBLISHED on (about a hundred a day, like RTL).
FIRST_PUBLISHED = paris(2019, 1, 1, 6, 0)
STEP = timedelta(minutes=15)
#: Articles per news sitemap (Google News caps a sitemap at 1,000).
SITEMAP_CHUNK = 1000
#: Listing pages rendered per section: one more than the spider reads by default.
LISTING_PAGES = 21
FEED_SIZE = 15
#: Every tenth article has this many top-level comments: a second comment page.
LONG_THREAD = 14

_FACTS = tuple(fact for brief in BRIEFS for fact in brief["facts"])
_TITLES = tuple(brief["title"] for brief in BRIEFS)
_LEADS = tuple(brief["lead"] for brief in BRIEFS)
_HEADINGS = tuple(h for brief in BRIEFS for h in brief["headings"]) or ("Le point",)
_AUTHORS = tuple(sorted({a for brief in BRIEFS for a in brief["authors"]}))
_TAGS = tuple(sorted({t for brief in BRIEFS for t in brief["tags"]}))
_IMAGES = tuple(brief["image"] for brief in BRIEFS if brief["image"])
_ARTICLE_PATH = re.compile(r"^/actu/([a-z]+)/([a-z0-9-]+)-(\d{10})$")


def published_at(i: int) -> datetime:
    return FIRST_PUBLISHED + i * STEP


def _section(i: int) -> str:
    return SECTIONS[i % len(SECTIONS)][0]


def _reading_time(title: str, lead: str, blocks: tuple[tuple[str, str], ...]) -> int:
    words = len(" ".join([title, lead, *(text for _, text in blocks)]).split())
    return max(1, math.ceil(words / 230))


@lru_cache(maxsize=512)
def article_spec(i: int, with_comments: bool = True) -> ArticleSpec:
    """Article number ``i``: the same every time, different from every other one.

    Five facts drawn from the whole corpus (so two articles rarely share more than one,
    and none is a near-copy of another), the section's own sentences, 1-2 authors, tags,
    and a thread of comments (two pages for every tenth article).
    """
    rng = random.Random(i)
    section = _section(i)
    pool = SECTION_POOLS[section]
    title = f"{_TITLES[i % len(_TITLES)]} ({i + 1})"
    lead = _LEADS[rng.randrange(len(_LEADS))]
    blocks: list[tuple[str, str]] = []
    for position, fact_index in enumerate(rng.sample(range(len(_FACTS)), 5)):
        if position == 2 and i % 3 == 0:
            blocks.append((HEADING, _HEADINGS[i % len(_HEADINGS)]))
        text = _FACTS[fact_index]
        if position == 0:
            text = f"{text} Il s'agit de la dépêche {i + 1} de la journée de test."
        elif position % 2 == 1:
            text = f"{text} {pool[rng.randrange(len(pool))]}"
        blocks.append((PARAGRAPH, text))
    body = tuple(blocks)
    tags = tuple(rng.sample(_TAGS, 2))
    image = None
    if i % 7 != 3:
        caption, credit = _IMAGES[i % len(_IMAGES)]
        image = ImageSpec(path=f"/images/{FIRST_ID + i}.jpg", caption=caption, credit=credit)
    published = published_at(i)
    comments: tuple[CommentSpec, ...] = ()
    if with_comments:
        factory = cs.CommentFactory()
        # Where the shared counters would stand after i articles: texts and authors vary.
        factory.counter, factory.reply_counter = i * 5, i * 2
        count = LONG_THREAD if i % 10 == 9 else cs.default_count(i)
        comments = tuple(factory.thread(i, published, count))
    return ArticleSpec(
        article_id=str(FIRST_ID + i),
        path_parts=("actu", section),
        slug=slugify(title),
        title=title,
        lead=lead,
        authors=tuple(rng.sample(_AUTHORS, 2 if i % 4 == 0 else 1)),
        co_credit="AFP" if i % 5 == 0 else None,
        published_at=published,
        modified_at=published + timedelta(hours=2) if i % 11 == 0 else None,
        reading_time_minutes=_reading_time(title, lead, body),
        tags=tags,
        keywords=(*tags, "fil info"),
        image=image,
        body_blocks=body,
        related=tuple(str(FIRST_ID + j) for j in (i - 1, i - 2) if j >= 0),
        og_title=title,
        og_description=lead,
        comments=comments,
        listing=section,
    )


def _comment_times(comments: tuple[CommentSpec, ...]) -> list[datetime]:
    return [t for c in comments for t in (c.posted_at, *_comment_times(c.replies))]


def _etag_page(status: int, text: str, content_type: str, modified: datetime | None) -> Page:
    body = text.encode("utf-8")
    headers = {"ETag": '"' + hashlib.sha256(body).hexdigest()[:32] + '"'}
    if modified is not None:
        headers["Last-Modified"] = format_datetime(modified.astimezone(UTC), usegmt=True)
    return Page(status=status, body=body, content_type=content_type, headers=headers)


class GeneratedSite:
    """The site's pages for ``articles`` articles on ``base_url``, rendered on request.

    Has the ``get(target) -> Page`` of ``sample_site.site.Site``.
    """

    def __init__(self, base_url: str, articles: int) -> None:
        if articles < 1:
            raise ValueError("a site needs at least one article")
        self.base_url = base_url.rstrip("/")
        self.articles = articles
        self.not_found = _etag_page(
            404, discovery.error_page(404, "Cette page n'existe pas."), HTML, None
        )
        # Built on first use and kept: a few dozen pages whatever the size of the site.
        self._listings: dict[str, list[Page]] = {}
        self._lock = threading.Lock()

    @property
    def newest(self) -> datetime:
        return published_at(self.articles - 1)

    def _card(self, i: int, href: str | None = None) -> discovery.Card:
        spec = article_spec(i, with_comments=False)
        return discovery.Card(spec.title, spec.lead, href or spec.path, spec.published_at,
                              spec.tags[0])  # fmt: skip

    def get(self, target: str) -> Page:
        """The page for a request target (path and query)."""
        parts = urlsplit(target.split("#", 1)[0])
        path, query = parts.path, parse_qs(parts.query)
        try:
            number = int(query.get("page", ["1"])[0])
        except ValueError:
            return self.not_found
        if path == "/robots.txt":
            return _etag_page(200, discovery.robots_txt(self.base_url), TEXT, FIRST_PUBLISHED)
        if path == "/sitemap.xml":
            return _etag_page(200, self._sitemap_index(), XML, self.newest)
        if path == "/sitemaps/sections.xml":
            return _etag_page(200, discovery.sections_sitemap(self.base_url), XML,
                              FIRST_PUBLISHED)  # fmt: skip
        if path.startswith("/sitemaps/news-") and path.endswith(".xml"):
            return self._news_sitemap(path)
        if path == "/flux/une.rss":
            newest = range(self.articles - 1, max(-1, self.articles - 1 - FEED_SIZE), -1)
            feed = discovery.rss_feed(self.base_url, [self._card(i) for i in newest],
                                      self.newest)  # fmt: skip
            return _etag_page(200, feed, RSS, self.newest)
        if path == "/":
            newest = range(self.articles - 1, max(-1, self.articles - 7), -1)
            home = discovery.home_page([self._card(i) for i in newest])
            return _etag_page(200, home, HTML, self.newest)
        if path.startswith("/actu/") and path.count("/") == 2:
            return self._listing(path.rsplit("/", 1)[1], number)
        return self._article(path, number)

    def _sitemap_index(self) -> str:
        chunks = math.ceil(self.articles / SITEMAP_CHUNK)
        # Newest chunk first, as news sites list them.
        entries = "".join(
            f"<sitemap><loc>{self.base_url}/sitemaps/news-{k}.xml</loc>"
            f"<lastmod>{published_at(min(self.articles, (k + 1) * SITEMAP_CHUNK) - 1).isoformat()}"
            "</lastmod></sitemap>"
            for k in reversed(range(chunks))
        )
        entries += (f"<sitemap><loc>{self.base_url}/sitemaps/sections.xml</loc>"
                    f"<lastmod>{FIRST_PUBLISHED.isoformat()}</lastmod></sitemap>")  # fmt: skip
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<sitemapindex xmlns="{discovery.SITEMAP_NS}">{entries}</sitemapindex>\n'
        )

    def _news_sitemap(self, path: str) -> Page:
        try:
            chunk = int(path[len("/sitemaps/news-") : -len(".xml")])
        except ValueError:
            return self.not_found
        first, last = chunk * SITEMAP_CHUNK, min(self.articles, (chunk + 1) * SITEMAP_CHUNK)
        if not 0 <= first < last:
            return self.not_found
        cards = []
        for i in reversed(range(first, last)):
            spec = article_spec(i, with_comments=False)
            cards.append(discovery.Card(spec.title, spec.lead, spec.path, spec.published_at,
                                        lastmod=spec.modified_at))  # fmt: skip
        return _etag_page(200, discovery.news_sitemap(self.base_url, cards), XML,
                          published_at(last - 1))  # fmt: skip

    def _listing(self, section: str, number: int) -> Page:
        labels = dict(SECTIONS)
        if section not in labels:
            return self.not_found
        with self._lock:
            pages = self._listings.get(section)
            if pages is None:
                offset = [s for s, _ in SECTIONS].index(section)
                newest = self.articles - 1 - (self.articles - 1 - offset) % len(SECTIONS)
                ids = range(newest, -1, -len(SECTIONS))[: LISTING_PAGES * 5]
                cards = []
                for position, i in enumerate(ids):
                    spec = article_spec(i, with_comments=False)
                    # Links as listings show them: plain, with tracking, a fragment, AMP.
                    href = {1: spec.path + "?utm_source=rtl&utm_medium=listing",
                            2: spec.path + "#xtor=AL-12",
                            3: spec.path + "/amp"}.get(position % 5, spec.path)  # fmt: skip
                    cards.append(self._card(i, href))
                html_pages = discovery.listing_pages(section, labels[section], cards)
                pages = [_etag_page(200, html, HTML, self.newest) for html in html_pages]
                self._listings[section] = pages
        if not 1 <= number <= len(pages):
            return self.not_found
        return pages[number - 1]

    def _article(self, path: str, number: int) -> Page:
        kind = "article"
        for suffix, name in ((COMMENTS_SUFFIX, "comments"), ("/amp", "amp")):
            if path.endswith(suffix):
                path, kind = path[: -len(suffix)], name
        match = _ARTICLE_PATH.match(path)
        if match is None:
            return self.not_found
        i = int(match.group(3)) - FIRST_ID
        if not 0 <= i < self.articles:
            return self.not_found
        spec = article_spec(i)
        if path != spec.path:
            return self.not_found
        modified = spec.last_modified
        if kind == "amp":
            return _etag_page(200, amp_page(spec, self.base_url), HTML, modified)
        if kind == "comments":
            fragments = comment_pages(spec, self.base_url + spec.path)
            if not 1 <= number <= len(fragments):
                return self.not_found
            return _etag_page(200, fragments[number - 1], HTML,
                              max([modified, *_comment_times(spec.comments)]))  # fmt: skip
        related = [article_spec(int(r) - FIRST_ID, with_comments=False) for r in spec.related]
        une = [(s.title, f"{self.base_url}{s.path}?xtor=AL-une")
               for s in (article_spec(j, with_comments=False)
                         for j in range(self.articles - 1, max(-1, self.articles - 5), -1))
               if s.article_id != spec.article_id]  # fmt: skip
        return _etag_page(200, article_page(spec, self.base_url, related, une), HTML, modified)


class _Handler(PageHandler):
    server: _Server
    server_version = "GeneratedRTL/1.0"


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], articles: int) -> None:
        super().__init__(address, _Handler)
        host, port = self.server_address[:2]
        self.site = GeneratedSite(f"http://{host}:{port}", articles)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A crawler hanging up mid-response is normal; no traceback noise.
        pass


def _stop(signum: int, frame: Any) -> None:
    # SIGTERM (how the benchmark stops the site) ends serving as Ctrl-C does.
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.generated_site",
        description="Serve a generated RTL-style site of N articles on 127.0.0.1.",
    )
    parser.add_argument("--articles", type=int, default=1000, help="number of articles")
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    args = parser.parse_args(argv)
    server = _Server(("127.0.0.1", args.port), args.articles)
    signal.signal(signal.SIGTERM, _stop)
    print(server.site.base_url, flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever(poll_interval=0.2)
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
