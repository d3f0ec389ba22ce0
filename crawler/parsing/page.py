"""One fetched article page: the parsed article, or the reason it is not one.

``parse_page`` is what a crawl calls for a page it expected to be an article. Before the
article is parsed (and its comment pages requested), pages that cannot be an article are
turned into a ``RejectedPageItem``:

- ``not_html``: the response is not text;
- ``empty_page``: the body is empty or only whitespace;
- ``soft_404`` / ``bot_challenge``: see ``crawler.parsing.soft_errors``;
- ``not_an_article``: a listing or home page, see ``crawler.parsing.page_kind``.

Everything else is parsed; what it lacks is for ``pipelines.validate`` to name.
"""

from __future__ import annotations

import codecs
import re

from scrapy.http import Response, TextResponse

from crawler.items import ArticleItem, RejectedPageItem
from crawler.parsing.article import Mode, parse_article
from crawler.parsing.encoding import page_selector, page_text
from crawler.parsing.page_kind import NOT_AN_ARTICLE, not_an_article
from crawler.parsing.soft_errors import detect_soft_error

NOT_HTML = "not_html"
EMPTY_PAGE = "empty_page"

#: Every reason ``parse_page`` may give.
PAGE_REASONS = frozenset({NOT_HTML, EMPTY_PAGE, "soft_404", "bot_challenge", NOT_AN_ARTICLE})


def _rejected(response: Response, reason: str, detail: str) -> RejectedPageItem:
    return RejectedPageItem(
        url=response.url, reason=reason, detail=detail, http_status=response.status
    )


#: A character that is neither whitespace (as ``str.strip`` sees it) nor NUL.
_CONTENT = re.compile(r"[^\s\x00]")


def _blank(text: str) -> bool:
    """Nothing but whitespace and NUL characters; stops at the first other character
    rather than scanning or copying a page of megabytes."""
    return _CONTENT.search(text) is None


#: A printable ASCII byte: in UTF-8 and the single-byte Western encodings it is that
#: character, never part of another one.
_PRINTABLE_ASCII = re.compile(rb"[!-~]")
_ASCII_SUPERSETS = frozenset({"utf-8", "cp1252", "iso8859-1", "ascii"})


def _blank_body(response: TextResponse) -> bool:
    """``_blank`` of the page's text, decided on the bytes when they settle it (the first
    ``<`` does): decoding a page of megabytes only to find it is not blank is waste."""
    try:
        ascii_superset = codecs.lookup(response.encoding).name in _ASCII_SUPERSETS
    except LookupError:
        ascii_superset = False
    if ascii_superset and _PRINTABLE_ASCII.search(response.body) is not None:
        return False
    return _blank(page_text(response))


def parse_page(
    response: Response, base_url: str | None = None, *, mode: Mode = "full", site: str = "rtl"
) -> ArticleItem | RejectedPageItem:
    """The article of a page, or a ``RejectedPageItem`` saying why the page is not one.

    ``base_url``, ``mode`` and ``site`` are as for ``crawler.parsing.article.parse_article``. Never
    raises for any response body.
    """
    if not isinstance(response, TextResponse):
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        return _rejected(response, NOT_HTML, f"content type {content_type or 'unknown'}")
    if _blank_body(response):
        return _rejected(response, EMPTY_PAGE, f"{len(response.body)} bytes, no content")
    # Parsed once, here, and handed to the article parser: pages reach several megabytes.
    selector = page_selector(response)
    if problem := detect_soft_error(selector):
        return _rejected(response, problem.reason, problem.detail)
    if detail := not_an_article(selector, response.url):
        if "</html>" not in page_text(response)[-4096:].lower():
            detail += " (the page looks cut short: no closing </html>)"
        return _rejected(response, NOT_AN_ARTICLE, detail)
    return parse_article(response, base_url=base_url, selector=selector, mode=mode, site=site)
