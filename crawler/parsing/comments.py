"""Read an article's comment fragment (``<article>/commentaires[?page=N]``).

Only what the design document calls stable across RTL-style fragments is relied on:
``.timeline-post[data-comment-id]`` elements, an author element whose class contains
``author``, ``time.timeline-time``, ``.post-message``, replies nested in
``.timeline-replies`` (or flagged with ``data-parent-id``) and a next-page control whose
``href`` or ``data-url`` carries ``page=N``.

Comment text is the text a reader sees, never markup: paragraphs are joined by a blank
line, ``<br>`` becomes a line break, links keep their text, emoji stay, and escaped markup
the reader sees as characters (``&lt;script&gt;``) stays as those characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree
from parsel import Selector
from scrapy.http import TextResponse

from crawler.parsing.document import base_url
from crawler.parsing.encoding import page_selector
from crawler.parsing.text import (
    class_tokens,
    element_text,
    normalize_text,
    remove_ui_lines,
)

_ANONYMOUS = frozenset({"anonyme", "anonymous", "utilisateur anonyme", "internaute anonyme"})
_AUTHOR_CLASSES = frozenset({"timeline-author", "timeline-post-author"})
_PAGE_PARAM = re.compile(r"[?&]page=(\d+)")
# Interface elements that may sit inside a message block (report links, reply buttons).
_UI_CLASSES = frozenset({"report", "reply", "btn-reply", "timeline-actions", "post-actions",
                         "signaler", "report-abuse"})


@dataclass
class CommentPage:
    """The comments of one fragment page, parents before their replies."""

    comments: list[dict[str, Any]] = field(default_factory=list)
    #: Absolute URL of the next page, ``None`` on the last page.
    next_url: str | None = None
    #: True when the page holds no comment ("Soyez le premier à réagir").
    is_empty: bool = True


def _is_post(element: etree._Element) -> bool:
    # The id first: most elements have none, and reading it is cheaper than the classes.
    return (
        isinstance(element.tag, str)
        and bool(element.get("data-comment-id", "").strip())
        and "timeline-post" in class_tokens(element)
    )


#: An element of a post with its classes, read once: the fields below all test them.
Own = tuple[etree._Element, set[str]]


def _own_elements(post: etree._Element) -> Iterable[Own]:
    """Descendants of a post that belong to it, not to its nested replies."""
    stack = list(reversed(list(post)))
    while stack:
        element = stack.pop()
        if not isinstance(element.tag, str):
            continue
        classes = class_tokens(element)
        if "timeline-replies" in classes or _is_post(element):
            continue
        yield element, classes
        stack.extend(reversed(list(element)))


def _is_ui(element: etree._Element) -> bool:
    if not isinstance(element.tag, str):
        return False
    if class_tokens(element) & _UI_CLASSES or _is_post(element):
        return True
    return element.get("data-comment-id") is not None and element.tag.lower() in {"a", "button"}


def _author(own: list[Own]) -> str | None:
    known = [e for e, classes in own if classes & _AUTHOR_CLASSES]
    # Other "author" classes are a fallback: a wrapper may also hold the date.
    others = [e for e, classes in own if any("author" in c for c in classes)]
    for element in known + others:
        links = list(element.iter("a"))
        name = normalize_text(element_text(links[0] if links else element))
        if name:
            return None if name.casefold() in _ANONYMOUS else name
    return None


def _posted_at(own: list[Own]) -> str | None:
    times = [e for e, classes in own if e.tag == "time" and "timeline-time" in classes]
    for element in times:
        if value := normalize_text(element.get("datetime")):
            return value
    # No machine-readable date: the visible parts ("le 24/04/2019" + "à 11h02"), which
    # cleaning parses as French text.
    parts = [
        normalize_text(element_text(e))
        for e, classes in own
        if classes & {"timeline-date", "timeline-time"}
    ]
    return " ".join(p for p in parts if p) or None


def _message(own: list[Own]) -> str:
    for element, classes in own:
        if "post-message" in classes:
            return remove_ui_lines(element_text(element, skip=_is_ui))
    return ""


def _parent_id(post: etree._Element) -> str | None:
    for ancestor in post.iterancestors():
        if _is_post(ancestor):
            return ancestor.get("data-comment-id").strip()
    return normalize_text(post.get("data-parent-id")) or None


def _next_url(sel: Selector, response: TextResponse) -> str | None:
    # Read like the links below: the URL may be a mangled canonical URL ("page=9'>...").
    current_match = _PAGE_PARAM.search(response.url)
    current = int(current_match.group(1)) if current_match else 1
    best: tuple[int, str] | None = None
    base = base_url(response)
    # Only links that name a page: lxml leaves the others out.
    links = "//@href[contains(., 'page=')] | //@data-url[contains(., 'page=')]"
    for value in sel.xpath(links).getall():
        match = _PAGE_PARAM.search(value)
        if not match:
            continue
        try:
            url = urljoin(base, value.strip())
            parts = urlsplit(url)
        except ValueError:
            # A hostile href ("http://[x/commentaires?page=2") that no client could follow.
            continue
        if parts.scheme not in ("http", "https") or not parts.netloc:
            continue
        number = int(match.group(1))
        if "/commentaires" in parts.path and number > current and (
            best is None or number < best[0]
        ):
            best = (number, url)
    return best[1] if best else None


def parse_comments(response: TextResponse) -> CommentPage:
    """Comments of one fragment page in document order (a parent precedes its replies).

    Each comment is ``{"comment_id", "parent_id", "author", "posted_at", "text"}`` with
    ``posted_at`` as found (ISO string, or the visible French text) and ``author`` ``None``
    for anonymous posts. A comment id seen twice on the page is kept once.
    """
    if not isinstance(response, TextResponse):
        raise ValueError(f"not a text response: {response.url}")
    sel = page_selector(response)
    comments: list[dict[str, Any]] = []
    seen: set[str] = set()
    # Posts carry their id: the walk that finds those candidates runs in lxml.
    for element in sel.root.xpath("descendant-or-self::*[@data-comment-id]"):
        if not _is_post(element):
            continue
        comment_id = element.get("data-comment-id").strip()
        if comment_id in seen:
            continue
        seen.add(comment_id)
        own = list(_own_elements(element))
        comments.append(
            {
                "comment_id": comment_id,
                "parent_id": _parent_id(element),
                "author": _author(own),
                "posted_at": _posted_at(own),
                "text": _message(own),
            }
        )
    return CommentPage(
        comments=comments, next_url=_next_url(sel, response), is_empty=not comments
    )


def merge_comments(pages: Iterable[Iterable[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Comments of successive pages, one entry per ``comment_id`` (first occurrence wins).

    Newest-first paging can push a comment onto the next page between two requests, so
    the same id may be served twice.
    """
    merged: dict[str, dict[str, Any]] = {}
    for page in pages:
        for comment in page:
            merged.setdefault(str(comment["comment_id"]), comment)
    return list(merged.values())

