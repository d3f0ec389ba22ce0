from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scrapy.http import HtmlResponse, Request, Response, TextResponse

from crawler.parsing.article import parse_article

PAGES = Path(__file__).parent / "fixtures" / "pages"
URL = "https://www.rtl.fr/actu/international/kim-jong-un-en-russie-pour-son-premier-sommet-avec-poutine-7797504917"
BASE = "https://www.rtl.fr"


def response(body: str | bytes, url: str = URL, meta: dict | None = None) -> HtmlResponse:
    data = body.encode() if isinstance(body, str) else body
    request = Request(url, meta=meta or {})
    return HtmlResponse(url=url, body=data, encoding="utf-8", request=request)


def seed() -> bytes:
    return (PAGES / "rtl_2019_seed.html").read_bytes()


def test_seed_raw_values_before_cleaning() -> None:
    item = parse_article(response(seed()), base_url=BASE)
    # The parser keeps dates as found; cleaning parses them.
    assert item.published_at == "2019-04-24T10:47:00+02:00"
    # The Flash Actu sidebar has its own publish/update times (25 April): never used.
    assert item.modified_at is None
    assert item.title == "Kim Jong-Un en Russie pour son premier sommet avec Poutine"
    assert item.extraction["title"] == "site:rtl/v2019"
    body = item.body or ""
    for noise in ("À lire aussi", "Nice : une appli", "Publicité", "Lire la suite",
                  "La rédaction vous recommande", "Partager l'article", "vient du script",
                  "Grand débat", "Restez informé", "caractères restants", "Connecté"):
        assert noise not in body
    assert len(item.body_blocks) == 12


def test_discovered_as_is_an_alias() -> None:
    item = parse_article(
        response(seed(), meta={"discovered_as": "https://www.rtl.fr/flux-link?id=7797504917"}),
        base_url=BASE,
    )
    assert item.aliases == [
        URL,
        URL + "/amp",
        "https://www.rtl.fr/flux-link?id=7797504917",
    ]


def test_update_time_in_byline() -> None:
    html = """<html><body><article class="article g-article">
      <h1 class="article-header">T</h1>
      <div class="article-info">
        publié le <time class="publish-time"
          datetime="2019-04-24T10:47:00+02:00">24/04/2019 à 10:47</time>
        mis à jour le <time datetime="2019-04-24T11:02:00+02:00">24/04/2019 à 11:02</time>
      </div>
      <div class="article-mask"><p class="article-p">Corps</p></div></article></body></html>"""
    item = parse_article(response(html))
    assert item.published_at == "2019-04-24T10:47:00+02:00"
    assert item.modified_at == "2019-04-24T11:02:00+02:00"
    assert item.extraction["modified_at"] == "site:rtl/v2019"


def test_publish_time_text_when_no_attribute() -> None:
    html = """<article class="article g-article"><div class="article-info">
      <time class="publish-time">publié le 24/04/2019 à 10:47</time></div></article>"""
    assert parse_article(response(html)).published_at == "publié le 24/04/2019 à 10:47"


def test_og_title_only_when_nothing_better() -> None:
    with_ld = """<html><head><meta property="og:title" content="Social">
      <script type="application/ld+json">[{"@type": "WebPage"},
        {"@type": "NewsArticle", "headline": "Titre LD"}]</script></head><body></body></html>"""
    item = parse_article(response(with_ld))
    assert (item.title, item.extraction["title"]) == ("Titre LD", "json_ld")
    only_og = '<html><head><meta property="og:title" content="Social"></head></html>'
    item = parse_article(response(only_og))
    assert (item.title, item.extraction["title"]) == ("Social", "open_graph")


def test_json_ld_html_body_and_headings() -> None:
    html = """<html><head><script type="application/ld+json">
      {"@context": "https://schema.org", "@type": "Article", "headline": "H",
       "articleBody": "<p>Un <b>deux</b></p><h2>Inter</h2><p>Trois<br>quatre</p>"}
      </script></head><body></body></html>"""
    item = parse_article(response(html))
    assert item.body_blocks == [
        {"type": "paragraph", "text": "Un deux"},
        {"type": "heading", "text": "Inter"},
        {"type": "paragraph", "text": "Trois\nquatre"},
    ]
    assert item.extraction["body_blocks"] == "json_ld"


def test_broken_json_ld_is_ignored() -> None:
    html = """<html><head><script type="application/ld+json">{"@type": "NewsArticle",</script>
      <meta name="description" content="Desc"></head></html>"""
    item = parse_article(response(html))
    assert item.title is None
    assert (item.lead, item.extraction["lead"]) == ("Desc", "meta")


def test_language_sources() -> None:
    assert parse_article(response('<html lang="fr-FR"></html>')).language == "fr"
    item = parse_article(response('<html><head><meta property="og:locale" content="fr_FR">'))
    assert (item.language, item.extraction["language"]) == ("fr", "open_graph")
    item = parse_article(response("<html><body>rien</body></html>"))
    assert item.language is None and "language" not in item.extraction


def test_empty_and_bare_pages() -> None:
    item = parse_article(response(b""))
    assert item.title is None and item.body_blocks == [] and item.comments == []
    assert item.canonical_url == URL
    assert item.extraction == {
        "canonical_url": "site:rtl", "article_id": "site:rtl", "section": "site:rtl"}


def test_non_text_response_is_refused() -> None:
    with pytest.raises(ValueError, match="not a text response"):
        parse_article(Response(url=URL, body=b"\x89PNG"))


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
def test_never_raises_on_odd_markup(junk: str) -> None:
    html = (
        '<article class="article"><h1 class="article-header">' + junk
        + '</h1><div class="article-mask"><p class="article-p">' + junk
        + '<script type="application/ld+json">' + junk + "</script></div>"
    )
    item = parse_article(TextResponse(url=URL, body=html.encode(), encoding="utf-8"))
    assert item.url == URL


def test_head_values_escaped_twice_are_decoded_once_but_page_text_is_not() -> None:
    page = (
        '<html><head><meta name="keywords" content="Cor&amp;eacute;e, L&amp;#039;info">'
        '<script type="application/ld+json">{"@type": "NewsArticle",'
        ' "headline": "L&#039;info &amp;amp; le reste"}</script></head>'
        "<body><article><h2 class='chapo'>Le chapô affiche L&amp;#039;info tel quel.</h2>"
        "</article></body></html>"
    )
    item = parse_article(response(page))
    assert item.title == "L'info &amp; le reste"
    assert item.keywords == ["Corée", "L'info"]
    assert item.lead == "Le chapô affiche L&#039;info tel quel."
