"""The bundled RTL-style sample site: what it serves, and that its specs agree with it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from email.message import Message
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import pytest
from parsel import Selector

from sample_site import (
    ARTICLES,
    BROKEN_PAGES,
    PRIVATE_PATH,
    CommentSpec,
    SampleServer,
    amp_url,
    article_url,
    build_site,
    comments_url,
    expected_article,
    expected_totals,
    serve,
)
from sample_site.articles import (
    EXACT_REPEAT_ID,
    HOSTILE_ID,
    JSON_LD_ID,
    NO_COMMENT_IDS,
    THREE_PAGE_ID,
    TRUNCATED_ID,
    WIRE_ID,
)
from sample_site.expected import flatten_comments

ROOT = Path(__file__).resolve().parent.parent
BY_ID = {spec.article_id: spec for spec in ARTICLES}
SEED = BY_ID["7797504917"]


@pytest.fixture(scope="module")
def server() -> Iterator[SampleServer]:
    with serve() as running:
        yield running


def fetch(
    url: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> tuple[int, Message, str]:
    """(status, headers, body text) without raising on HTTP errors."""
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode("utf-8")


def text_of(sel: Selector) -> str:
    """Visible text, whitespace (non-breaking spaces included) collapsed."""
    parts = sel.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]").getall()
    return " ".join("".join(parts).split())


def article_path(url: str) -> str:
    """The article path a link stands for: no query, no fragment, no /amp."""
    path = urlsplit(url).path
    return path[: -len("/amp")] if path.endswith("/amp") else path


# --- Serving ----------------------------------------------------------------------------


def test_discovery_documents_have_their_content_types(server: SampleServer) -> None:
    base = server.base_url
    status, headers, body = fetch(base + "/robots.txt")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    assert "User-agent: *" in body and "Disallow: /private/" in body
    assert f"Sitemap: {base}/sitemap.xml" in body

    status, headers, body = fetch(base + "/sitemap.xml")
    assert status == 200 and headers["Content-Type"].startswith("application/xml")
    assert "<sitemapindex" in body and f"{base}/sitemaps/news.xml" in body

    status, headers, body = fetch(base + "/sitemaps/news.xml")
    assert status == 200 and 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' in body

    status, headers, body = fetch(base + "/flux/une.rss")
    assert status == 200 and headers["Content-Type"].startswith("application/rss+xml")
    feed = Selector(text=body, type="xml")
    assert len(feed.xpath("//item")) == 15
    dates = feed.xpath("//pubDate/text()").getall()
    assert all(re.match(r"\w{3}, \d{2} \w{3} 2019 ", d) for d in dates)


def test_html_pages_answer_with_their_statuses(server: SampleServer) -> None:
    base = server.base_url
    url = article_url(SEED, base)
    for target in (base + "/", base + "/actu/international", base + "/actu/international?page=2",
                   url, url + "/amp", comments_url(url)):
        status, headers, body = fetch(target)
        assert status == 200, target
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert body.strip()
    assert fetch(base + "/actu/nulle-part-1234567890")[0] == 404
    assert fetch(base + "/actu/international?page=99")[0] == 404
    broken = {page.kind: page for page in BROKEN_PAGES}
    assert fetch(article_url(broken["http_404"], base))[0] == 404
    assert fetch(article_url(broken["http_500"], base))[0] == 500
    for kind in ("missing_title", "missing_date", "empty_body"):
        assert fetch(article_url(broken[kind], base))[0] == 200


def test_article_ignores_tracking_query_but_not_paging(server: SampleServer) -> None:
    url = article_url(SEED, server.base_url)
    plain = fetch(url)[2]
    assert fetch(url + "?utm_source=rss&utm_medium=feed")[2] == plain
    assert fetch(comments_url(url) + "?page=7")[0] == 404


def test_conditional_get_answers_304(server: SampleServer) -> None:
    url = article_url(SEED, server.base_url)
    status, headers, _ = fetch(url)
    etag, last_modified = headers["ETag"], headers["Last-Modified"]
    assert last_modified == "Wed, 24 Apr 2019 08:47:00 GMT"  # published 10:47 Paris time
    assert fetch(url, {"If-None-Match": etag})[0] == 304
    assert fetch(url, {"If-Modified-Since": last_modified})[0] == 304
    earlier = format_datetime(SEED.published_at - timedelta(days=1), usegmt=False)
    assert fetch(url, {"If-Modified-Since": earlier})[0] == 200
    # A stale ETag wins over a current date: the content may have changed in place.
    assert fetch(url, {"If-None-Match": '"stale"', "If-Modified-Since": last_modified})[0] == 200
    assert fetch(server.base_url + "/flux/une.rss", {"If-None-Match": fetch(
        server.base_url + "/flux/une.rss")[1]["ETag"]})[0] == 304


def test_request_log_records_method_path_and_status(server: SampleServer) -> None:
    url = article_url(SEED, server.base_url)
    path = urlsplit(url).path
    server.clear_requests()
    fetch(url)
    fetch(url + "?xtor=RSS-1")
    fetch(url, method="HEAD")
    fetch(url, {"If-None-Match": fetch(url)[1]["ETag"]})
    fetch(server.base_url + "/absent")
    log = server.requests
    assert [(r.method, r.path, r.status) for r in log] == [
        ("GET", path, 200),
        ("GET", path + "?xtor=RSS-1", 200),
        ("HEAD", path, 200),
        ("GET", path, 200),
        ("GET", path, 304),
        ("GET", "/absent", 404),
    ]
    assert server.count(path) == 3 and server.count(path, "HEAD") == 1


def test_set_articles_rebuilds_the_site_in_place() -> None:
    spec = BY_ID["7797871250"]
    with serve() as running:
        url = article_url(spec, running.base_url)
        _, headers, before = fetch(url)
        new_comment = CommentSpec(
            comment_id="49999001", author="Nouvelle Lectrice",
            posted_at=spec.published_at + timedelta(days=2), text="Commentaire ajouté.",
        )
        edited = replace(
            spec, title="Canicule : le pic de chaleur attendu dès mercredi",
            modified_at=spec.published_at + timedelta(days=1),
            comments=(new_comment, *spec.comments),
        )
        added = replace(spec, article_id="7799999999", slug="un-article-tout-neuf",
                        title="Un article tout neuf", comments=())
        articles = [edited if s is spec else s for s in ARTICLES] + [added]
        running.set_articles(articles)
        status, new_headers, after = fetch(url, {"If-None-Match": headers["ETag"]})
        assert status == 200 and after != before
        assert "dès mercredi" in text_of(Selector(text=after).css("h1.article-header"))
        assert new_headers["Last-Modified"] != headers["Last-Modified"]
        assert 'data-comment-id="49999001"' in fetch(comments_url(url))[2]
        assert fetch(article_url(added, running.base_url))[0] == 200
        sitemap = fetch(running.base_url + "/sitemaps/news.xml")[2]
        assert "un-article-tout-neuf-7799999999" in sitemap
        running.set_articles(None)
        assert fetch(url)[2] == before


# --- Discovery ---------------------------------------------------------------------------


def _discover(base: str) -> dict[str, set[str]]:
    """Article paths announced by each source, walked like a crawler would."""
    found: dict[str, set[str]] = {"sitemap": set(), "rss": set(), "listings": set()}
    robots = fetch(base + "/robots.txt")[2]
    queue = [line.split(":", 1)[1].strip() for line in robots.splitlines()
             if line.lower().startswith("sitemap:")]
    while queue:
        doc = Selector(text=fetch(queue.pop())[2], type="xml")
        doc.remove_namespaces()
        if doc.xpath("/sitemapindex"):
            queue += doc.xpath("//sitemap/loc/text()").getall()
        else:
            found["sitemap"] |= {article_path(u) for u in doc.xpath("//url/loc/text()").getall()}
    feed = Selector(text=fetch(base + "/flux/une.rss")[2], type="xml")
    found["rss"] = {article_path(u) for u in feed.xpath("//item/link/text()").getall()}
    home = Selector(text=fetch(base + "/")[2])
    for section in home.css("ul.home-sections a::attr(href)").getall():
        page_url = urljoin(base, section)
        while page_url:
            page = Selector(text=fetch(page_url)[2])
            cards = page.css("div.post-preview h2.post-title a::attr(href)").getall()
            assert 1 <= len(cards) <= 5
            found["listings"] |= {article_path(urljoin(page_url, c)) for c in cards}
            following = page.css("a.pagination-next::attr(href)").get()
            page_url = urljoin(page_url, following) if following else None
    return found


def test_every_article_is_reachable_from_discovery(server: SampleServer) -> None:
    found = _discover(server.base_url)
    reachable = set().union(*found.values())
    for spec in ARTICLES:
        assert spec.path in reachable, spec.path
        assert (spec.path in found["sitemap"]) == spec.in_sitemap, spec.path
    wire = BY_ID[WIRE_ID]
    assert {wire.path, wire.twin_path} <= found["sitemap"]
    for broken in BROKEN_PAGES:
        assert broken.path in found["listings"], broken.kind
    assert PRIVATE_PATH in found["listings"]
    # Some articles are only in listings, so a crawler must read all three sources.
    assert any(spec.path not in found["sitemap"] | found["rss"] for spec in ARTICLES)


def test_robots_txt_forbids_the_private_page(server: SampleServer) -> None:
    robots = RobotFileParser()
    robots.parse(fetch(server.base_url + "/robots.txt")[2].splitlines())
    assert not robots.can_fetch("rtl-news-crawler", server.base_url + PRIVATE_PATH)
    assert robots.can_fetch("rtl-news-crawler", article_url(SEED, server.base_url))
    assert fetch(server.base_url + PRIVATE_PATH)[0] == 200  # served, but off limits


def test_links_use_tracking_fragment_and_amp_variants(server: SampleServer) -> None:
    hrefs = []
    for section in ("international", "politique", "societe", "economie", "sport", "culture"):
        page = Selector(text=fetch(f"{server.base_url}/actu/{section}")[2])
        hrefs += page.css("h2.post-title a::attr(href)").getall()
    assert any("utm_source=" in h for h in hrefs)
    assert any("#xtor=" in h for h in hrefs)
    assert any(urlsplit(h).path.endswith("/amp") for h in hrefs)
    feed = fetch(server.base_url + "/flux/une.rss")[2]
    assert "utm_medium=feed" in feed and "#xtor=RSS-1" in feed


def test_news_sitemap_dates_match_specs(server: SampleServer) -> None:
    doc = Selector(text=fetch(server.base_url + "/sitemaps/news.xml")[2], type="xml")
    doc.remove_namespaces()
    by_path = {urlsplit(u.xpath("loc/text()").get()).path: u for u in doc.xpath("//url")}
    for spec in ARTICLES:
        if not spec.in_sitemap:
            assert spec.path not in by_path
            continue
        entry = by_path[spec.path]
        assert entry.xpath("news/publication_date/text()").get() == spec.published_at.isoformat()
        assert entry.xpath("lastmod/text()").get() == spec.last_modified.isoformat()
        assert entry.xpath("news/publication/language/text()").get() == "fr"


# --- Article pages -------------------------------------------------------------------------


def test_seed_page_follows_the_design_document(server: SampleServer) -> None:
    url = article_url(SEED, server.base_url)
    page = Selector(text=fetch(url)[2])
    article = page.css("article.article.g-article")
    assert page.xpath("/html/@lang").get() == "fr"
    assert page.css("link[rel=canonical]::attr(href)").get() == url
    assert page.css("link[rel=amphtml]::attr(href)").get() == url + "/amp"
    assert page.css("meta[property='og:site_name']::attr(content)").get() == "RTL.fr"
    og_title = page.css("meta[property='og:title']::attr(content)").get()
    assert og_title and og_title != SEED.title
    assert page.css("meta[name=keywords]::attr(content)").get() == ", ".join(SEED.keywords)
    assert text_of(article.css("span.article-duration")) == "2 min de lecture"
    assert article.css("div.article-follow a.btn-follow::text").getall() == list(SEED.tags)
    assert text_of(article.css("h1.article-header")) == SEED.title
    assert text_of(article.css("h2.article-chapo")) == SEED.lead
    figure = article.css("figure.article-media-figure")
    assert figure.css("img.media-item::attr(src)").get() != page.css(
        "meta[property='og:image']::attr(content)").get()
    assert text_of(figure.css("span.article-media-figcaption-credits")) == \
        "Crédit : KCNA VIA KNS / AFP"
    assert article.css(".article-social-author-name a::attr(href)").getall() == [
        "/auteur/leia-hoarau"]
    assert text_of(article.css(".article-social-author-position")) == "et AFP"
    published = article.css("div.article-info time.publish-time")
    assert published.attrib["datetime"] == "2019-04-24T10:47:00+02:00"
    assert text_of(published) == "publié le 24/04/2019 à 10:47"
    mask = article.css("div.article-mask")
    paragraphs = [text_of(p) for p in mask.css("p.article-p")]
    assert paragraphs == [t for k, t in SEED.body_blocks if k == "paragraph"]
    assert [text_of(h) for h in mask.css(".article-title")] == [
        "Le nucléaire toujours en négociation", "Rééquilibrage"]
    assert "À lire aussi" in text_of(mask.css("div.article-related"))
    assert mask.css("div#dynInfeed1") and mask.css("div[data-role=m6pub]")
    push = json.loads(page.css("#ua-marker::attr(data-push)").get())
    assert push["contentAuthor"] == "Leia Hoarau" and push["pageSousRubrique"] == "international"
    assert page.css("#timeline-list::attr(data-url)").get() == comments_url(url)
    assert not page.css("#timeline-list .timeline-post")
    # The sidebar trap: times of the visit day, outside the article.
    flash = page.css("aside.flash-actu time::attr(datetime)").getall()
    assert flash and all(v.startswith("2020-01-15") for v in flash)
    assert "Crédit&nbsp;:" in fetch(url)[2]


def test_pages_mix_typographic_characters_and_entities(server: SampleServer) -> None:
    raw = "".join(fetch(article_url(s, server.base_url))[2] for s in ARTICLES)
    for marker in ("’", "&rsquo;", "«&nbsp;", "&laquo;", "&nbsp;:", "&amp;", "&#39;"):
        assert marker in raw, marker


def test_every_article_page_carries_its_spec(server: SampleServer) -> None:
    for spec in ARTICLES:
        if spec.json_ld_only:
            continue
        page = Selector(text=fetch(article_url(spec, server.base_url))[2])
        article = page.css("article.article")
        assert text_of(article.css("h1.article-header")) == spec.title
        times = article.css("div.article-info time")
        assert times[0].attrib["datetime"] == spec.published_at.isoformat()
        if spec.modified_at:
            update = article.css("time.update-time")
            assert update.attrib["datetime"] == spec.modified_at.isoformat()
            assert text_of(update).startswith("mis à jour le")
        else:
            assert len(times) == 1
        assert bool(article.css("figure.article-media-figure")) == (spec.image is not None)
        blocks = [
            ("heading" if "article-title" in b.attrib.get("class", "") else "paragraph", text_of(b))
            for b in article.css("div.article-mask").xpath(
                "./*[contains(@class,'article-p') or contains(@class,'article-title')]")
        ]
        assert blocks == list(spec.body_blocks), spec.article_id


def test_amp_twin_points_back_to_the_article(server: SampleServer) -> None:
    for spec in (SEED, BY_ID[JSON_LD_ID]):
        page = Selector(text=fetch(amp_url(spec, server.base_url))[2])
        assert page.css("link[rel=canonical]::attr(href)").get() == article_url(
            spec, server.base_url)
        assert text_of(page.css("h1.article-header")) == spec.title


def test_json_ld_page_has_no_template_markup(server: SampleServer) -> None:
    spec = BY_ID[JSON_LD_ID]
    page = Selector(text=fetch(article_url(spec, server.base_url))[2])
    assert not page.css("h1.article-header, time.publish-time, p.article-p, article.article")
    data = json.loads(page.css("script[type='application/ld+json']::text").get())
    assert data["@type"] == "NewsArticle" and data["headline"] == spec.title
    assert data["datePublished"] == spec.published_at.isoformat()
    assert data["dateModified"] == spec.modified_at.isoformat()
    assert [a["name"] for a in data["author"]] == list(spec.authors)
    assert data["articleBody"] == expected_article(spec, server.base_url)["body"]


def test_wire_story_is_served_under_two_urls(server: SampleServer) -> None:
    wire = BY_ID[WIRE_ID]
    first = Selector(text=fetch(article_url(wire, server.base_url))[2])
    twin_url = server.base_url + wire.twin_path
    twin = Selector(text=fetch(twin_url)[2])
    assert wire.twin_path.endswith("-" + wire.article_id) and "/actu/monde/" in wire.twin_path
    assert twin.css("link[rel=canonical]::attr(href)").get() == twin_url
    assert text_of(twin.css("div.article-mask p.article-p")) == text_of(
        first.css("div.article-mask p.article-p"))
    assert text_of(twin.css(".article-social-author-position")) == "et AFP"


def test_broken_pages_lack_what_their_reason_says(server: SampleServer) -> None:
    base = server.base_url
    pages = {b.kind: b for b in BROKEN_PAGES}
    assert {b.reason for b in BROKEN_PAGES} == {
        "missing_title", "missing_published_at", "missing_body", "http_404", "http_500", None}
    assert all(re.search(r"-\d{10}$", b.path) for b in BROKEN_PAGES)

    no_title = Selector(text=fetch(article_url(pages["missing_title"], base))[2])
    assert not no_title.css("h1, title, meta[property='og:title'], meta[name='twitter:title']")
    assert not no_title.css("script[type='application/ld+json']")
    assert no_title.css("p.article-p") and no_title.css("time.publish-time")

    no_date = Selector(text=fetch(article_url(pages["missing_date"], base))[2])
    assert not no_date.css("div.article-info time, script[type='application/ld+json']")
    assert no_date.css("aside.flash-actu time")  # the only dates: the trap
    assert no_date.css("h1.article-header")

    empty = Selector(text=fetch(article_url(pages["empty_body"], base))[2])
    assert not empty.css("p.article-p, .article-title")
    assert empty.css("h1.article-header") and empty.css("time.publish-time")

    truncated = BY_ID[TRUNCATED_ID]
    raw = fetch(article_url(truncated, base))[2]
    assert not raw.rstrip().endswith("</html>")
    page = Selector(text=raw)
    assert text_of(page.css("h1.article-header")) == truncated.title
    assert len(page.css("p.article-p")) == sum(k == "paragraph" for k, _ in truncated.body_blocks)


# --- Comments --------------------------------------------------------------------------------


def _comment_pages(first_url: str) -> list[Selector]:
    pages, url = [], first_url
    while url:
        status, _, body = fetch(url)
        assert status == 200, url
        page = Selector(text=body)
        pages.append(page)
        following = page.css("a.timeline-more::attr(href), .btn-load-more::attr(data-url)").get()
        url = urljoin(url, following) if following else None
        assert len(pages) <= 10
    return pages


def test_every_comment_appears_in_the_fragments(server: SampleServer) -> None:
    served_ids: list[str] = []
    for spec in ARTICLES:
        pages = _comment_pages(comments_url(article_url(spec, server.base_url)))
        ids = [i for p in pages for i in p.css(".timeline-post::attr(data-comment-id)").getall()]
        expected = [c.comment_id for c, _ in flatten_comments(spec.comments)]
        assert set(ids) == set(expected), spec.article_id
        assert list(dict.fromkeys(ids)) == expected
        assert len(pages) == max(1, -(-len(spec.comments) // 10))
        for page in pages:
            assert len(page.xpath("/html/body/div[contains(@class,'timeline-post')]")) <= 11
        if not spec.comments:
            assert "Soyez le premier à réagir" in text_of(pages[0])
        served_ids += expected
    assert len(served_ids) == len(set(served_ids)) == expected_totals()["comments"]
    assert {s.article_id for s in ARTICLES if not s.comments} == NO_COMMENT_IDS


def test_three_page_thread_repeats_one_comment_across_pages(server: SampleServer) -> None:
    spec = BY_ID[THREE_PAGE_ID]
    pages = _comment_pages(comments_url(article_url(spec, server.base_url)))
    assert len(pages) == 3
    top = [p.xpath("/html/body/div[contains(@class,'timeline-post')]/@data-comment-id").getall()
           for p in pages]
    assert top[0][-1] == top[1][0] == spec.shifted_comment_ids[0]
    # Both control styles occur across articles; this one uses one of them.
    assert pages[0].css("a.timeline-more, button.btn-load-more")
    assert not pages[2].css("a.timeline-more, button.btn-load-more")


def test_comment_markup_variants_and_ui_strings(server: SampleServer) -> None:
    author_classes, controls = set(), set()
    for spec in ARTICLES:
        first = Selector(text=fetch(comments_url(article_url(spec, server.base_url)))[2])
        author_classes |= {c for c in ("timeline-author", "timeline-post-author")
                           if first.css(f".timeline-post .{c}")}
        controls |= {c for c in ("a.timeline-more", "button.btn-load-more") if first.css(c)}
    assert author_classes == {"timeline-author", "timeline-post-author"}
    assert controls == {"a.timeline-more", "button.btn-load-more"}
    seed = Selector(text=fetch(comments_url(article_url(SEED, server.base_url)))[2])
    assert "Signaler un abus" in text_of(seed) and "Répondre" in text_of(seed)
    assert re.search(r"\d réponses?", text_of(seed))
    times = seed.css("time.timeline-time")
    assert all(re.fullmatch(r"2019-\d\d-\d\dT\d\d:\d\d:00\+0[12]:00", t.attrib["datetime"])
               for t in times)
    anonymous = [c for c, _ in flatten_comments(
        s for spec in ARTICLES for s in spec.comments) if c.author is None]
    assert anonymous, "some comments must be anonymous"


def test_hostile_comment_is_text_in_the_fragment(server: SampleServer) -> None:
    spec = BY_ID[HOSTILE_ID]
    hostile = next(c for c in spec.comments if c.message_html and "DROP TABLE" in c.text)
    raw = fetch(comments_url(article_url(spec, server.base_url)))[2]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    page = Selector(text=raw)
    message = page.css(f".timeline-post[data-comment-id='{hostile.comment_id}'] .post-message")
    paragraphs = [text_of(p) for p in message.css("p")]
    assert paragraphs == hostile.text.split("\n\n")
    # The live elements are there too, and contribute no visible text.
    assert message.css("script") and message.css("img[onerror]")


def test_exact_repeat_is_expected_once(server: SampleServer) -> None:
    comments = expected_article(BY_ID[EXACT_REPEAT_ID], server.base_url)["comments"]
    repeats = [c for c in comments if "duplicate_of" in c]
    assert len(repeats) == 1
    original = next(c for c in comments if c["comment_id"] == repeats[0]["duplicate_of"])
    assert (original["author"], original["text"]) == (repeats[0]["author"], repeats[0]["text"])
    assert original["comment_id"] != repeats[0]["comment_id"]


# --- Specs and totals ------------------------------------------------------------------------


def test_specs_are_consistent() -> None:
    assert len(ARTICLES) >= 32
    ids = [s.article_id for s in ARTICLES]
    assert len(set(ids)) == len(ids) and all(re.fullmatch(r"\d{10}", i) for i in ids)
    assert len({s.title for s in ARTICLES}) == len(ARTICLES)
    assert len({s.body_blocks for s in ARTICLES}) == len(ARTICLES)
    roots = {s.path_parts[0] for s in ARTICLES}
    assert {"actu", "sport", "culture"} <= roots
    for spec in ARTICLES:
        assert spec.published_at.year == 2019 and spec.published_at.utcoffset() is not None
        assert spec.og_title != spec.title
        # The seed keeps the real page's ten paragraphs.
        assert 3 <= sum(k == "paragraph" for k, _ in spec.body_blocks) <= (
            10 if spec is SEED else 8)
        assert set(spec.tags) <= set(spec.keywords)
        assert all(r in BY_ID for r in spec.related)
        for comment, _ in flatten_comments(spec.comments):
            assert comment.posted_at > spec.published_at
    assert any(s.modified_at for s in ARTICLES) and any(s.image is None for s in ARTICLES)
    assert any(any(k == "heading" for k, _ in s.body_blocks) for s in ARTICLES)


def test_expected_seed_article() -> None:
    base = "http://127.0.0.1:8123"
    expected = expected_article(SEED, base)
    assert expected["url"] == expected["canonical_url"] == base + SEED.path
    assert expected["published_at"] == "2019-04-24T10:47:00+02:00"
    assert expected["image"] == {"url": f"{base}/images/7797504917.jpg",
                                 "caption": "Kim Jong-un, l'actuel dirigeant suprême de la "
                                            "Corée du Nord",
                                 "credit": "KCNA VIA KNS / AFP"}
    assert expected["body"].count("\n\n") == len(SEED.body_blocks) - 1
    assert "À lire aussi" not in expected["body"]
    assert expected["related_urls"][0] == base + BY_ID["7797494862"].path
    seen: set[str] = set()
    for comment in expected["comments"]:
        assert comment["parent_id"] is None or comment["parent_id"] in seen
        seen.add(comment["comment_id"])
    # One reply answers a reply: its parent is not a top-level comment.
    top_level = {c.comment_id for c in SEED.comments}
    assert any(c["parent_id"] and c["parent_id"] not in top_level for c in expected["comments"])


def test_totals_match_the_specs() -> None:
    totals = expected_totals()
    assert totals["articles"] == len(ARTICLES)
    assert totals["comments"] == sum(len(flatten_comments(s.comments)) for s in ARTICLES)
    assert totals["exact_repeat_comments"] == 1
    assert totals["rejected_pages"] == 5
    assert totals["article_urls_min"] == len(ARTICLES) + 1


def test_site_is_deterministic() -> None:
    first = build_site("http://127.0.0.1:9")
    second = build_site("http://127.0.0.1:9")
    assert first.pages.keys() == second.pages.keys()
    assert all(first.pages[k].body == second.pages[k].body for k in first.pages)
    assert sum(len(p.body) for p in first.pages.values()) < 5_000_000


def test_module_entry_point_prints_the_base_url() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "sample_site", "--port", "0"], cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        line = process.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", line)
        assert fetch(line + "/robots.txt")[0] == 200
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert process.stderr.read() == ""
