"""The sample site's article layouts (2019, 2021, unknown): the markup each one promises,
and that the expected values can be read from every one of them. Pure rendering, except
the few tests of switching a running server."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from parsel import Selector

from sample_site import (
    ARTICLES,
    BROKEN_PAGES,
    LAYOUTS,
    PRIVATE_PATH,
    Site,
    build_site,
    comments_url,
    expected_article,
    serve,
)
from sample_site.articles import ARTICLES_BY_ID, JSON_LD_ID, TRUNCATED_ID, WIRE_ID

ROOT = Path(__file__).resolve().parent.parent
BASE = "http://127.0.0.1:8123"
SEED = ARTICLES_BY_ID["7797504917"]
UPDATED = ARTICLES_BY_ID["7797780113"]
NO_IMAGE = ARTICLES_BY_ID["7798367741"]
#: A few pages of different kinds: the seed (headings, AFP), an updated article with
#: several paragraphs, one without image or comments, the wire story, the JSON-LD one.
SAMPLE = [SEED, UPDATED, NO_IMAGE, ARTICLES_BY_ID[WIRE_ID], ARTICLES_BY_ID[JSON_LD_ID]]
#: The 2019 template's own selectors (design document); newer layouts use none of them.
SELECTORS_2019 = (
    "article.article", "article.g-article", "div.article-mask", "p.article-p",
    "h1.article-header", "h2.article-chapo", ".article-social-author-name",
    ".article-social-author-position", "time.publish-time", "time.update-time",
    "div.article-info", ".article-title", "div.article-related", "div.article-follow",
    "figure.article-media-figure", "div.article-recommendation", "#ua-marker",
)
IMAGE_2021 = re.compile(r"https://images\.rtl\.fr/~c/\d+v\d+/rtl/www/\d+-[a-z0-9-]+\.jpg")
LD = "script[type='application/ld+json']::text"


@pytest.fixture(scope="module")
def sites() -> dict[str, Site]:
    return {layout: build_site(BASE, layout=layout) for layout in LAYOUTS}


def page(site: Site, path: str) -> Selector:
    served = site.get(path)
    assert served.status == 200, path
    return Selector(text=served.body.decode("utf-8"))


def text_of(sel: Selector | Any) -> str:
    """Visible text, whitespace (non-breaking spaces included) collapsed."""
    parts = sel.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]").getall()
    return " ".join("".join(parts).split())


def paragraphs(spec: Any) -> list[str]:
    return [text for kind, text in spec.body_blocks if kind == "paragraph"]


def headings(spec: Any) -> list[str]:
    return [text for kind, text in spec.body_blocks if kind == "heading"]


def blocks(spec: Any) -> list[str]:
    """The body blocks the page shows (the JSON-LD article shows no sub-headings)."""
    return [b["text"] for b in expected_article(spec, BASE)["body_blocks"]]


def json_ld(sel: Selector) -> dict[str, Any]:
    found = sel.css(LD).getall()
    assert len(found) == 1
    data = json.loads(found[0])
    assert isinstance(data, dict)
    return data


# --- Every layout ----------------------------------------------------------------------


def test_build_site_default_is_the_2019_layout(sites: dict[str, Site]) -> None:
    default = build_site(BASE)
    assert default.layout == "2019"
    assert {k: p.body for k, p in default.pages.items()} == {
        k: p.body for k, p in sites["2019"].pages.items()}
    assert page(default, SEED.path).css("article.article.g-article div.article-mask p.article-p")


def test_unknown_layout_name_is_refused() -> None:
    with pytest.raises(ValueError, match="2019, 2021, unknown"):
        build_site(BASE, layout="2022")
    with pytest.raises(ValueError, match="unknown sample site layout 'v2021'"):
        expected_article(SEED, BASE, layout="v2021")


@pytest.mark.parametrize("layout", LAYOUTS)
def test_expected_values_are_in_every_article_page(sites: dict[str, Site], layout: str) -> None:
    for spec in ARTICLES:
        raw = sites[layout].get(spec.path).body.decode("utf-8")
        sel = Selector(text=raw)
        visible = text_of(sel.css("body"))
        expected = expected_article(spec, BASE, layout)
        for value in (expected["title"], expected["lead"], *blocks(spec),
                      *expected["authors"], *expected["tags"]):
            assert value in visible, (layout, spec.article_id, value)
        if spec.co_credit:
            assert spec.co_credit in visible
        assert spec.published_at.isoformat() in raw, (layout, spec.article_id)
        if spec.modified_at:
            assert spec.modified_at.isoformat() in raw, (layout, spec.article_id)
        if expected["image"]:
            image = expected["image"]
            og_image = sel.css("meta[property='og:image']::attr(content)").get()
            assert og_image == image["url"], (layout, spec.article_id)
            assert image["caption"] in visible and image["credit"] in visible
        else:
            assert not sel.css("meta[property='og:image']")
        assert sel.css("link[rel=canonical]::attr(href)").get() == expected["canonical_url"]
        assert sel.xpath("/html/@lang").get() == "fr"


@pytest.mark.parametrize("layout", LAYOUTS)
def test_expected_values_differ_only_by_the_2021_image_url(layout: str) -> None:
    for spec in ARTICLES:
        expected = expected_article(spec, BASE, layout)
        baseline = expected_article(spec, BASE)
        if spec.image and layout == "2021":
            assert IMAGE_2021.fullmatch(expected["image"]["url"]), expected["image"]["url"]
            assert f"/{spec.article_id[-7:]}-" in expected["image"]["url"]
            assert expected["image"] | {"url": None} == baseline["image"] | {"url": None}
            expected["image"] = baseline["image"]
        assert expected == baseline, (layout, spec.article_id)


def test_only_article_pages_change_with_the_layout(sites: dict[str, Site]) -> None:
    old, new, odd = sites["2019"], sites["2021"], sites["unknown"]
    assert old.pages.keys() == new.pages.keys() == odd.pages.keys()
    articles = {s.path for s in ARTICLES} | {ARTICLES_BY_ID[WIRE_ID].twin_path}
    articles |= {b.path for b in BROKEN_PAGES if b.status == 200 and b.reason}
    articles.add(PRIVATE_PATH)
    for key in old.pages:
        bodies = {old.pages[key].body, new.pages[key].body, odd.pages[key].body}
        path = key.split("?")[0]
        assert len(bodies) == (3 if path in articles else 1), key
        # Every page gets another ETag, so no cached copy from another layout gets a 304.
        etags = {site.pages[key].headers["ETag"] for site in (old, new, odd)}
        assert len(etags) == 3, key
        assert len({site.pages[key].headers.get("Last-Modified")
                    for site in (old, new, odd)}) == 1, key


# --- 2021 --------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["2021", "unknown"])
def test_newer_layouts_use_no_2019_class(sites: dict[str, Site], layout: str) -> None:
    paths = [s.path for s in ARTICLES] + [b.path for b in BROKEN_PAGES if b.status == 200]
    for path in paths:
        sel = page(sites[layout], path)
        for selector in SELECTORS_2019:
            assert not sel.css(selector), (layout, path, selector)


def test_2021_wire_story_shows_one_image_url_under_both_addresses(
    sites: dict[str, Site],
) -> None:
    wire = ARTICLES_BY_ID[WIRE_ID]
    assert wire.image and wire.twin_path
    images = {page(sites["2021"], path).css("meta[property='og:image']::attr(content)").get()
              for path in (wire.path, wire.twin_path)}
    assert images == {expected_article(wire, BASE, "2021")["image"]["url"]}


def test_2021_head_has_json_ld_open_graph_and_title_suffix(sites: dict[str, Site]) -> None:
    for spec in SAMPLE:
        sel = page(sites["2021"], spec.path)
        expected = expected_article(spec, BASE, "2021")
        assert text_of(sel.css("title")) == spec.title + " - RTL"
        og_title = sel.css("meta[property='og:title']::attr(content)").get()
        assert og_title == spec.og_title != spec.title
        assert sel.css("meta[property='og:type']::attr(content)").get() == "article"
        og_image = sel.css("meta[property='og:image']::attr(content)").get()
        assert og_image == (expected["image"] or {}).get("url")
        data = json_ld(sel)
        assert data["@type"] == "NewsArticle"
        assert (data["headline"], data["description"]) == (spec.title, spec.lead)
        assert data["datePublished"] == spec.published_at.isoformat()
        assert re.search(r"[+-]\d\d:\d\d$", data["datePublished"])
        assert data.get("dateModified") == (
            spec.modified_at.isoformat() if spec.modified_at else None)
        people = [a["name"] for a in data["author"] if a["@type"] == "Person"]
        organizations = [a["name"] for a in data["author"] if a["@type"] == "Organization"]
        assert people == list(spec.authors)
        assert organizations == ([spec.co_credit] if spec.co_credit else [])
        if spec.image:
            image = data["image"]
            assert image["@type"] == "ImageObject" and IMAGE_2021.fullmatch(image["url"])
            assert (image["url"], image["caption"], image["creditText"]) == (
                expected["image"]["url"], spec.image.caption, spec.image.credit)
        else:
            assert "image" not in data
        assert data["keywords"] == list(spec.keywords)
        assert data["articleSection"] and "articleBody" not in data


def test_2021_body_is_plain_paragraphs_in_its_own_container(sites: dict[str, Site]) -> None:
    for spec in SAMPLE:
        sel = page(sites["2021"], spec.path)
        h1 = sel.css("h1")
        assert len(h1) == 1 and text_of(h1) == spec.title
        assert "article-header" not in h1.attrib.get("class", "")
        lead = sel.xpath("//p[contains(@class, 'lead')]")
        assert len(lead) == 1 and text_of(lead) == spec.lead
        container = sel.css("article.rtl-article div.rtl-article__content")
        assert len(container) == 1
        body = container.xpath("./p")
        assert all("class" not in p.attrib for p in body)
        assert [text_of(p) for p in body] == [
            t for t in blocks(spec) if t not in headings(spec)]
        subheadings = container.xpath("./h2")
        assert [text_of(h) for h in subheadings] == [t for t in blocks(spec)
                                                     if t in headings(spec)]
        assert all(h.attrib.get("class") for h in subheadings)
        assert "Partager l'article" in text_of(container)
        if spec.related:
            assert "À lire aussi" in text_of(container.css("aside"))
        # The noise of the 2019 pages is still around the article.
        assert sel.css("aside.flash-actu time") and sel.css("div.OUTBRAIN")
        assert sel.css("#timeline-list::attr(data-url)").get() == comments_url(BASE + spec.path)
    seed = page(sites["2021"], SEED.path).css("div.rtl-article__content")
    assert len(seed.xpath("./h2")) == 2 and seed.css("#dynInfeed1")


# --- unknown ---------------------------------------------------------------------------


def test_unknown_layout_has_no_json_ld_and_its_own_nesting(sites: dict[str, Site]) -> None:
    for spec in SAMPLE:
        sel = page(sites["unknown"], spec.path)
        assert not sel.css("script[type='application/ld+json']")
        assert not sel.css("meta[property^='article:']")
        assert sel.css("meta[property='og:title']::attr(content)").get() == spec.title
        assert text_of(sel.css("div.story > header.story-head > h1.story-title")) == spec.title
        text = sel.css("div.story > section.story-body > div.txt")
        assert [text_of(p) for p in text.xpath("./p")] == [
            t for t in blocks(spec) if t not in headings(spec)]
        assert [text_of(h) for h in text.xpath("./h3")] == [
            t for t in blocks(spec) if t in headings(spec)]
        byline = sel.css("div.story-byline")
        assert text_of(byline).startswith("Par " + spec.authors[0])
        assert not byline.css("a")
        stamp = byline.css("time")[0]
        when = spec.published_at
        assert stamp.attrib["datetime"] == when.isoformat()
        assert text_of(stamp) == f"Publié le {when:%d/%m/%Y} à {when:%Hh%M}"
        assert len(byline.css("time")) == (2 if spec.modified_at else 1)


def test_unknown_byline_reads_as_french_text(sites: dict[str, Site]) -> None:
    seed = page(sites["unknown"], SEED.path)
    assert text_of(seed.css("div.story-byline")) == (
        "Par Leia Hoarau, avec AFP · Publié le 24/04/2019 à 10h47 · Lecture : 2 min")
    updated = page(sites["unknown"], UPDATED.path)
    assert "Mis à jour le 27/05/2019 à 07h45" in text_of(updated.css("div.story-byline"))


# --- Special pages in the newer layouts ------------------------------------------------------


@pytest.mark.parametrize("layout", ["2021", "unknown"])
def test_broken_pages_lack_the_same_parts(sites: dict[str, Site], layout: str) -> None:
    pages = {b.kind: b for b in BROKEN_PAGES}
    no_title = page(sites[layout], pages["missing_title"].path)
    assert not no_title.css("h1, title, meta[property='og:title'], meta[name='twitter:title']")
    assert "headline" not in json.loads(no_title.css(LD).get() or "{}")
    assert no_title.css("time[datetime]:not(aside time)")

    no_date = page(sites[layout], pages["missing_date"].path)
    raw = sites[layout].get(pages["missing_date"].path).body.decode("utf-8")
    assert [t.attrib["datetime"][:10] for t in no_date.css("time")] == ["2020-01-15"] * 5
    assert "datePublished" not in raw and "Publié le" not in raw
    assert no_date.css("h1")

    empty = page(sites[layout], pages["empty_body"].path)
    container = "div.rtl-article__content" if layout == "2021" else "div.txt"
    assert empty.css(container) and not empty.css(f"{container} p, {container} h2")
    assert empty.css("h1") and empty.css("time[datetime]")


@pytest.mark.parametrize("layout", ["2021", "unknown"])
def test_truncated_page_is_cut_after_the_body(sites: dict[str, Site], layout: str) -> None:
    spec = ARTICLES_BY_ID[TRUNCATED_ID]
    raw = sites[layout].get(spec.path).body.decode("utf-8")
    assert not raw.rstrip().endswith("</html>")
    sel = Selector(text=raw)
    assert text_of(sel.css("h1")) == spec.title
    assert len(sel.css("p").xpath("self::p[not(@class)]")) == len(paragraphs(spec))
    # Only the "À lire aussi" insert is left of the related links.
    links = [a for a in sel.css("aside a::attr(href)").getall() if re.search(r"-\d{10}", a)]
    assert len(links) == 1 == len(expected_article(spec, BASE, layout)["related_urls"])


# --- Switching a running server -----------------------------------------------------------


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, Message, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode("utf-8")


def test_running_server_switches_layout_and_etags() -> None:
    subset = [SEED, UPDATED]
    with serve(subset, layout="2021") as running:
        url = running.base_url + SEED.path
        status, headers, body = fetch(url)
        assert status == 200 and running.layout == "2021"
        assert Selector(text=body).css("div.rtl-article__content")
        assert fetch(url, {"If-None-Match": headers["ETag"]})[0] == 304
        comments = comments_url(url)
        comments_etag = fetch(comments)[1]["ETag"]

        running.set_layout("unknown")

        status, new_headers, new_body = fetch(url, {"If-None-Match": headers["ETag"]})
        assert status == 200 and running.layout == "unknown"
        assert Selector(text=new_body).css("div.story section.story-body div.txt")
        assert new_headers["ETag"] != headers["ETag"]
        assert new_headers["Last-Modified"] == headers["Last-Modified"]
        assert fetch(comments, {"If-None-Match": comments_etag})[0] == 200

        with pytest.raises(ValueError):
            running.set_layout("2022")
        assert running.layout == "unknown" and fetch(url)[2] == new_body

        # New content keeps the layout; the bundled articles come back with None.
        running.set_articles(None)
        assert running.layout == "unknown"
        third = ARTICLES[-1]
        assert Selector(text=fetch(running.base_url + third.path)[2]).css("div.story")
        running.set_layout("2019")
        assert Selector(text=fetch(url)[2]).css("article.g-article div.article-mask")


def test_serve_refuses_an_unknown_layout() -> None:
    with pytest.raises(ValueError, match="unknown sample site layout"):
        serve(layout="v2021")


def test_module_entry_point_serves_a_layout() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "sample_site", "--port", "0", "--layout", "2021"], cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        line = process.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", line)
        sel = Selector(text=fetch(line + SEED.path)[2])
        assert json_ld(sel)["headline"] == SEED.title
    finally:
        process.terminate()
        process.wait(timeout=10)
    refused = subprocess.run(
        [sys.executable, "-m", "sample_site", "--layout", "2022"], cwd=ROOT,
        capture_output=True, text=True, timeout=60,
    )
    assert refused.returncode == 2 and "invalid choice: '2022'" in refused.stderr
