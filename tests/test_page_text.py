"""``page_text``'s shortcuts (the damage check on the bytes of UTF-8 pages, no count at
all when no other decoding could win) give exactly what counting the damage of every
candidate gives: checked against that plain algorithm on generated pages. The same for
``page_selector`` (clean UTF-8 parsed from the bytes) and the blank-page check on the
bytes."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from parsel import Selector
from scrapy.http import HtmlResponse
from w3lib.encoding import html_body_declared_encoding, read_bom

from crawler.items import ArticleItem
from crawler.parsing.comments import parse_comments
from crawler.parsing.encoding import (
    _DAMAGE,
    _FALLBACKS,
    _FOLLOWERS,
    _LEADS,
    _damaged,
    _decode,
    damage,
    page_selector,
    page_text,
)
from crawler.parsing.page import _blank, _blank_body, parse_page

# Text made mostly of the characters the check is about, so pairs are frequent.
_CHARS = st.sampled_from([*_LEADS, *_FOLLOWERS, "a", "é", " ", "<", "\u2019", "\ufffd", "😀"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_CHARS, max_size=40).map("".join))
def test_the_bytes_check_agrees_with_the_text_check(text: str) -> None:
    for charset in ("utf-8", "windows-1252"):
        try:
            body = text.encode(charset)
        except UnicodeEncodeError:
            continue
        headers = {"Content-Type": f"text/html; charset={charset}"}
        response = HtmlResponse("http://127.0.0.1/a", body=body, headers=headers)
        decoded = response.text
        assert _damaged(response, decoded) == bool(_DAMAGE.search(decoded))


def test_a_utf8_page_read_as_windows_1252_is_repaired() -> None:
    body = "<html><body><p>L’été à Noël, déjà.</p></body></html>".encode()
    response = HtmlResponse(
        "http://127.0.0.1/a", body=body, headers={"Content-Type": "text/html; charset=windows-1252"}
    )
    assert "Ã©" in response.text
    assert "L’été à Noël, déjà." in page_text(response)


def test_mojibake_in_a_clean_utf8_page_is_seen_in_its_bytes() -> None:
    body = "<html><body><p>caf\u00c3\u00a9</p></body></html>".encode()
    response = HtmlResponse(
        "http://127.0.0.1/a", body=body, headers={"Content-Type": "text/html; charset=utf-8"}
    )
    assert _damaged(response, response.text)
    clean = HtmlResponse(
        "http://127.0.0.1/a", body="<p>café « déjà »</p>".encode(),
        headers={"Content-Type": "text/html; charset=utf-8"},
    )  # fmt: skip
    assert not _damaged(clean, clean.text)


def _plain_page_text(response: HtmlResponse) -> str:
    """The decoding ``page_text`` must give: every candidate's damage counted."""
    text = response.text
    if not _DAMAGE.search(text) or read_bom(response.body)[0]:
        return text
    best, best_damage = text, damage(text)
    for encoding in (html_body_declared_encoding(response.body), *_FALLBACKS):
        if not encoding or best_damage == 0:
            continue
        candidate = _decode(response.body, encoding)
        if candidate is not None and (score := damage(candidate)) < best_damage:
            best, best_damage = candidate, score
    return best


_ENCODINGS = st.sampled_from(["utf-8", "windows-1252", "latin-1", "koi8-r", "utf-16", None])
_PAGE_TEXT = st.lists(
    _CHARS | st.sampled_from(["Ã©", "â€™", "ÃƒÂ©", "ж", "\x00", "\xa0"]), max_size=30
).map("".join)


def _page(
    text: str, written_in: str | None, header: str | None, declared: str | None
) -> HtmlResponse:
    meta = f'<meta charset="{declared}">' if declared else ""
    html = f"<html><head>{meta}</head><body><p>{text}</p></body></html>"
    body = html.encode(written_in or "utf-8", errors="replace")
    headers = {"Content-Type": "text/html" + (f"; charset={header}" if header else "")}
    return HtmlResponse("http://127.0.0.1/a", body=body, headers=headers)


@settings(max_examples=400, deadline=None)
@given(_PAGE_TEXT, _ENCODINGS, _ENCODINGS, _ENCODINGS)
def test_page_text_is_the_least_damaged_decoding(
    text: str, written_in: str | None, header: str | None, declared: str | None
) -> None:
    response = _page(text, written_in, header, declared)
    assert page_text(response) == _plain_page_text(response)


@settings(max_examples=400, deadline=None)
@given(_PAGE_TEXT, _ENCODINGS, _ENCODINGS, _ENCODINGS, st.binary(max_size=4))
def test_page_selector_is_the_tree_of_page_text(
    text: str, written_in: str | None, header: str | None, declared: str | None, junk: bytes
) -> None:
    # ``junk`` puts bytes that are not UTF-8 (or a byte order mark) in some pages.
    page = _page(text, written_in, header, declared)
    response = page.replace(body=page.body.replace(b"<p>", b"<p>" + junk, 1))
    expected = Selector(text=page_text(response) or "<html></html>", type="html")
    assert etree.tostring(page_selector(response).root) == etree.tostring(expected.root)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["\x00", " ", "\t", "\n", "\xa0", "\u3000", "\x85", "a", "<"]),
                max_size=8).map("".join), _ENCODINGS)  # fmt: skip
def test_the_blank_check_on_the_bytes_agrees_with_the_text(text: str, charset: str | None) -> None:
    headers = {"Content-Type": "text/html" + (f"; charset={charset}" if charset else "")}
    body = text.encode(charset or "utf-8", errors="replace")
    response = HtmlResponse("http://127.0.0.1/a", body=body, headers=headers)
    assert _blank_body(response) == _blank(page_text(response))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["\x00", " ", "\t", "\n", "\xa0", "\u2028", "\u3000",
                                 "\x1c", "\x85", "a", "\u200b", "\ufeff"]),
                max_size=8).map("".join))  # fmt: skip
def test_a_blank_page_is_whitespace_and_nul_only(text: str) -> None:
    assert _blank(text) == (not text.replace("\x00", "").strip())


def test_a_clean_utf8_article_and_comment_page_are_parsed_without_decoding_them() -> None:
    # Decoding a page of megabytes to str, for parsel to encode it back, cost more than
    # lxml's parse: the clean UTF-8 pages go to lxml as bytes.
    pages = Path(__file__).parent / "fixtures" / "pages"
    headers = {"Content-Type": "text/html; charset=utf-8"}
    url = "https://www.rtl.fr/actu/international/kim-jong-un-en-russie-7797504917"
    article = HtmlResponse(url, body=(pages / "rtl_2019_seed.html").read_bytes(),
                           headers=headers)  # fmt: skip
    comments = HtmlResponse(f"{url}/commentaires",
                            body=(pages / "rtl_2019_seed_comments_p1.html").read_bytes(),
                            headers=headers)  # fmt: skip
    item = parse_page(article, base_url="https://www.rtl.fr")
    assert isinstance(item, ArticleItem)
    assert item.title == "Kim Jong-Un en Russie pour son premier sommet avec Poutine"
    assert len(parse_comments(comments).comments) == 4
    assert article._cached_ubody is None
    assert comments._cached_ubody is None
