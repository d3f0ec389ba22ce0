"""The damage check of ``page_text`` on the bytes of UTF-8 pages finds exactly what the
check on the text finds (it only runs faster)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from scrapy.http import HtmlResponse

from crawler.parsing.encoding import _DAMAGE, _FOLLOWERS, _LEADS, _damaged, page_text

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
