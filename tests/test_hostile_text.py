"""Hostile text in articles and comments: script injection, event handlers, ``javascript:``
links, SQL-looking strings, NUL bytes, bidi overrides and very long comments.

What comes out is the text a reader sees, never markup: elements are reduced to their
text (a ``<script>`` element contributes nothing, an ``<img onerror>`` nothing, a
``javascript:`` link its words), and attributes are never stored. Markup that the page
*escaped* (``&lt;script&gt;``) is shown to readers as those characters, so it is stored as
those characters: it is text, and storage and display treat it as text. NUL bytes (which
PostgreSQL text cannot hold), bidi overrides and lone surrogates are removed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from scrapy.http import HtmlResponse

from crawler.items import ArticleItem, RejectedPageItem
from crawler.parsing.page import parse_page
from pipelines.extract import extract_article
from pipelines.storage import Storage
from schemas import tables as t
from schemas.tables import metadata

BAD = Path(__file__).parent / "fixtures" / "pages" / "bad"
BASE = "https://www.rtl.fr"
URL = "https://www.rtl.fr/actu/societe/texte-hostile-7797900001"
JSON_LD_URL = "https://www.rtl.fr/actu/societe/json-ld-hostile-7797900002"
SQL = "'; DROP TABLE articles; --"
LONG_TEXT = "é" * 60_000 + "\n" + ("ligne ' ; -- " * 8_000).strip()

# JSON escapes reach the parser as real NUL, lone surrogate and bidi override characters.
# "<\/script>" is how a page must write "</script>" inside a script element.
JSON_LD_PAGE = r"""<html><head><meta charset="utf-8"><script type="application/ld+json">
{"@type": "NewsArticle", "headline": "Titre\u0000 nul \ud83d et \u202einvers\u00e9 <b>5 < 6</b>",
 "datePublished": "2020-02-01T08:00:00+01:00",
 "author": {"@type": "Person", "name": "<img src=x onerror=alert(1)>Jeanne"},
 "articleBody":
   "<p>Corps <script>alert(1)<\/script>propre \ud800</p><p onclick=\"x\">Deux\u0000</p>"}
</script></head><body></body></html>"""


def long_comment_fragment() -> bytes:
    # Generated: a fixture this size would be noise in the repository.
    message = "é" * 60_000 + "<br>" + "<b>ligne</b> ' ; -- " * 8_000
    return (
        '<div class="timeline-post" data-comment-id="9100">'
        f'<div class="post-message"><p>{message}</p></div></div>'
    ).encode()


def hostile_article() -> ArticleItem:
    item = extract_article(
        (BAD / "hostile_article.html").read_bytes(),
        URL,
        [(BAD / "hostile_comments.html").read_bytes(), long_comment_fragment()],
        base_url=BASE,
    )
    assert isinstance(item, ArticleItem), item
    return item


def json_ld_article() -> ArticleItem:
    item = extract_article(JSON_LD_PAGE.encode(), JSON_LD_URL, base_url=BASE)
    assert isinstance(item, ArticleItem), item
    return item


def strings(value: Any) -> Iterator[str]:
    """Every string inside an item, keys included."""
    if dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            yield from strings(getattr(value, f.name))
    elif isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, entry in value.items():
            yield from strings(key)
            yield from strings(entry)
    elif isinstance(value, (list, tuple)):
        for entry in value:
            yield from strings(entry)


def test_article_markup_is_reduced_to_text() -> None:
    item = hostile_article()
    assert item.title == SQL
    assert item.lead == "Chapô avec image piégée"
    assert item.authors == ["Robert'); DROP TABLE authors;--"]
    assert item.body_blocks == [
        {"type": "paragraph", "text": "Texte visible lien."},
        # Escaped in the page, so shown as characters: kept as characters.
        {"type": "paragraph", "text": 'Second paragraphe <script>alert("affiché")</script>'},
        # "&#0;" is shown by browsers as U+FFFD.
        {"type": "paragraph", "text": "Octet nul, override, isolat et \ufffdfin."},
    ]
    assert item.tags == ["<img src=x onerror=alert(1)>"]
    assert item.keywords == ["<script>alert(1)</script>", "Robert'); DROP TABLE tags;--"]


def test_javascript_and_other_schemes_never_become_urls() -> None:
    item = hostile_article()
    # og:image and the figure's src are javascript: URLs; the related links are
    # javascript:, vbscript:, data: and an unparsable "http://[::1".
    assert item.image is None
    assert item.related_urls == []
    assert item.aliases == [URL]


def test_comment_markup_is_reduced_to_text() -> None:
    comments = {c["comment_id"]: (c["author"], c["text"]) for c in hostile_article().comments}
    assert comments == {
        "9001": ("<b>Pirate</b>", "Avant après"),
        "9002": (None, "Image clique ici"),
        "9003": (SQL, f"{SQL}\n\nRobert'); DELETE FROM comments WHERE 1=1; --"),
        "9004": (None, "Octet nul et \ufffdréférence nulle"),
        "9005": (None, "Ouvrez ce fichier : gnp.exe et ceci"),
        "9006": (None, "Seul texte"),
        "9007'; DROP TABLE comments; --": (None, '<script>alert("visible")</script>'),
        "9100": (None, LONG_TEXT),
    }


def test_json_ld_values_lose_markup_and_forbidden_characters() -> None:
    item = json_ld_article()
    assert item.title == "Titre nul et inversé 5 < 6"
    assert item.authors == ["Jeanne"]
    assert item.body == "Corps propre\n\nDeux"


def test_no_nul_bidi_override_or_surrogate_anywhere() -> None:
    forbidden = {"\x00", "\u202e", "\u202c", "\u2066", "\u2067", "\u2069"}
    for item in (hostile_article(), json_ld_article()):
        for text in strings(item):
            assert not forbidden & set(text), repr(text[:80])
            text.encode("utf-8")  # no lone surrogate


def test_hostile_text_round_trips_verbatim_and_tables_stay(storage: Storage) -> None:
    hostile, from_json_ld = hostile_article(), json_ld_article()
    result = storage.write_articles([hostile, from_json_ld])
    assert result.failures == []
    assert (result.articles_new, result.comments_new) == (2, 8)

    with storage.engine.connect() as conn:
        assert set(metadata.tables) <= set(sa.inspect(conn).get_table_names())
        articles = {
            row.url: row
            for row in conn.execute(sa.select(t.articles.c.url, t.articles.c.title,
                                              t.articles.c.body, t.articles.c.body_blocks))
        }
        comments = {
            row.comment_id: row.text
            for row in conn.execute(sa.select(t.comments.c.comment_id, t.comments.c.text))
        }
        authors = set(conn.scalars(sa.select(t.authors.c.name)))
        tags = set(conn.scalars(sa.select(t.tags.c.name)))

    assert articles[URL].title == SQL
    assert articles[URL].body == hostile.body
    assert articles[URL].body_blocks == hostile.body_blocks
    assert articles[JSON_LD_URL].title == "Titre nul et inversé 5 < 6"
    assert comments == {c["comment_id"]: c["text"] for c in hostile.comments}
    assert comments["9003"] == f"{SQL}\n\nRobert'); DELETE FROM comments WHERE 1=1; --"
    assert len(comments["9100"]) == len(LONG_TEXT)
    assert authors == {"Robert'); DROP TABLE authors;--", "Jeanne"}
    assert tags == {"<img src=x onerror=alert(1)>"}

    # Read back equal to what was written: a second write finds nothing changed.
    again = storage.write_articles([hostile, from_json_ld])
    assert (again.articles_unchanged, again.comments_updated, again.comments_new) == (2, 0, 0)


def test_hostile_rejection_is_stored_verbatim(storage: Storage) -> None:
    html = f"<html><head><title>Page introuvable - {SQL}\x00</title></head></html>"
    rejected = parse_page_for(html, URL + "?q=" + SQL)
    assert rejected.reason == "soft_404"
    assert rejected.detail == f'not-found title "Page introuvable - {SQL}"'
    assert storage.write_rejected([rejected]) == 1
    with storage.engine.connect() as conn:
        row = conn.execute(sa.select(t.rejected_pages)).mappings().one()
        assert {"articles", "comments", "rejected_pages"} <= set(
            sa.inspect(conn).get_table_names()
        )
    assert (row["url"], row["reason"], row["detail"]) == (
        rejected.url, "soft_404", rejected.detail
    )


def parse_page_for(html: str, url: str) -> RejectedPageItem:
    result = parse_page(HtmlResponse(url=url, body=html.encode()))
    assert isinstance(result, RejectedPageItem), result
    return result
