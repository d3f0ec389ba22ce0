"""Property: whatever happens to a page in transit or on its site, the parse, clean and
validate path never raises, and every outcome is either an article that passes
validation or a rejection with a known reason.

Pages and comment fragments are the fixture files, mutated the ways pages break:
truncation, deleted and duplicated byte ranges, tag soup, stray bytes, and charset
garbage (in the ``<meta>`` and in the ``Content-Type`` header).
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scrapy.http import HtmlResponse

from crawler.items import ArticleItem, RejectedPageItem
from crawler.parsing.comments import parse_comments
from crawler.parsing.dates import is_plausible
from crawler.parsing.page import PAGE_REASONS
from pipelines.clean import clean_comments
from pipelines.extract import extract_article
from pipelines.validate import DESCRIPTIONS, validate_article

PAGES = Path(__file__).parent / "fixtures" / "pages"
URL = (
    "https://www.rtl.fr/actu/international/"
    "kim-jong-un-en-russie-pour-son-premier-sommet-avec-poutine-7797504917"
)
BASE = "https://www.rtl.fr"
KNOWN_REASONS = PAGE_REASONS | set(DESCRIPTIONS)


def _is_fragment(path: Path) -> bool:
    return "_comments_p" in path.name or path.name == "hostile_comments.html"


_ALL = sorted(PAGES.glob("*.html")) + sorted((PAGES / "bad").glob("*.html"))
ARTICLE_PAGES = [p.read_bytes() for p in _ALL if not _is_fragment(p)]
COMMENT_PAGES = [p.read_bytes() for p in _ALL if _is_fragment(p)]

SOUP = [
    b"<div>", b"</div>", b"<p class='article-p'>", b"</p>", b"<b>", b"</i>", b"<br>",
    b"<script>", b"</script>", b"<style>", b"<!--", b"-->", b"<![CDATA[", b"]]>",
    b"<article class='article g-article'>", b"</article>", b"<h1 class='article-header'>",
    b"</h1>", b"<time class='publish-time' datetime='1900-01-01T00:00:00+01:00'>",
    b"<time class='publish-time' datetime='9999-12-31T23:59:59-14:00'>",
    b"<time class='timeline-time' datetime='0001-01-01T00:00:00+01:00'>", b"</time>",
    b"<div class='timeline-post' data-comment-id='42'>", b"<div class='post-message'>",
    b"<div class='timeline-replies'>", b"<script type='application/ld+json'>{\"@type\":",
    b"\"NewsArticle\", \"headline\": \"\\u0000\\ud800\"}", b"<title>Page introuvable</title>",
    b"<title>Just a moment...</title>", b"<div class='post-preview'>", b"&#0;", b"&amp;",
    b"&", b"<", b">", b"\"", b"'", b"=", b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"\xc3",
    b"\xe9", b"\x92", "\u202e".encode(),
    b"<a href='javascript:alert(1)'>", b"<a href='http://[::1/commentaires?page=9'>",
    b"<img src=x onerror=alert(1)>", b"'; DROP TABLE articles; --",
]
CHARSETS = ["utf-8", "windows-1252", "iso-8859-1", "utf-16", "utf-7", "shift_jis", "bogus", ""]
_META_CHARSET = re.compile(rb"charset=[\"']?[\w-]*", re.IGNORECASE)


@st.composite
def mutated(draw: st.DrawFn, sources: list[bytes]) -> bytes:
    data = bytearray(draw(st.sampled_from(sources)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        size = len(data)
        start = draw(st.integers(min_value=0, max_value=size))
        end = draw(st.integers(min_value=start, max_value=min(size, start + 4000)))
        kind = draw(
            st.sampled_from(["truncate", "delete", "duplicate", "soup", "bytes", "charset"])
        )
        if kind == "truncate":
            del data[start:]
        elif kind == "delete":
            del data[start:end]
        elif kind == "duplicate":
            data[end:end] = data[start:end]
        elif kind == "soup":
            data[start:start] = b"".join(
                draw(st.lists(st.sampled_from(SOUP), min_size=1, max_size=8))
            )
        elif kind == "bytes":
            data[start:start] = draw(st.binary(min_size=1, max_size=32))
        else:
            charset = draw(st.sampled_from(CHARSETS)).encode()
            data = bytearray(_META_CHARSET.sub(b"charset=" + charset, bytes(data)))
            if draw(st.booleans()):
                data[0:0] = b'<meta charset="' + charset + b'">'
    return bytes(data)


content_types = st.sampled_from(
    [None, "text/html", *(f"text/html; charset={c}" for c in CHARSETS)]
)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(k) + _strings(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _strings(v)]
    return []


def _assert_storable(item: ArticleItem) -> None:
    """What storage needs from an article: no NUL, encodable text, aware dates."""
    for name in ("url", "title", "lead", "body", "authors", "tags", "keywords",
                 "body_blocks", "comments", "related_urls", "aliases", "image"):
        for text in _strings(getattr(item, name)):
            assert "\x00" not in text
            text.encode("utf-8")
    for comment in item.comments:
        assert comment["comment_id"] and comment["text"]
        posted = comment["posted_at"]
        assert posted is None or (isinstance(posted, datetime) and is_plausible(posted))


PROPERTY_SETTINGS = settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@PROPERTY_SETTINGS
@given(
    page=mutated(ARTICLE_PAGES),
    fragments=st.lists(mutated(COMMENT_PAGES), max_size=2),
    content_type=content_types,
)
def test_mutated_pages_give_a_valid_article_or_a_reasoned_rejection(
    page: bytes, fragments: list[bytes], content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else None
    result = extract_article(page, URL, fragments, base_url=BASE, headers=headers)
    if isinstance(result, RejectedPageItem):
        assert result.reason in KNOWN_REASONS
        assert result.detail
        assert "\x00" not in result.detail
    else:
        assert isinstance(result, ArticleItem)
        assert validate_article(result) == []
        _assert_storable(result)


@PROPERTY_SETTINGS
@given(fragment=mutated(COMMENT_PAGES), content_type=content_types)
def test_mutated_comment_fragments_give_clean_comments(
    fragment: bytes, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else None
    response = HtmlResponse(url=URL + "/commentaires", body=fragment, headers=headers)
    page = parse_comments(response)
    assert page.next_url is None or page.next_url.startswith(("http://", "https://"))
    comments = clean_comments(page.comments)
    ids = [c["comment_id"] for c in comments]
    assert len(ids) == len(set(ids))
    for comment in comments:
        assert comment["parent_id"] is None or isinstance(comment["parent_id"], str)
        assert comment["author"] is None or comment["author"].strip() == comment["author"]
        for text in _strings(comment):
            assert "\x00" not in text
            text.encode("utf-8")
        posted = comment["posted_at"]
        assert posted is None or (isinstance(posted, datetime) and is_plausible(posted))
