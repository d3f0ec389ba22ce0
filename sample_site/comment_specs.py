"""Deterministic reader comments for the bundled articles.

Texts and commenters advance on one counter shared by the whole site, so within one article
no two comments share both author and text unless a special case asks for it (an exact
repeat needs the same pair twice; the counter only repeats a pair every 210 comments).
"""

from __future__ import annotations

import html
import unicodedata
from dataclasses import replace
from datetime import datetime, timedelta

from sample_site.comment_pool import (
    COMMENTERS,
    HOSTILE_HTML,
    HOSTILE_TEXT,
    LINK_HTML,
    LINK_TEXT,
    REPLIES,
    TEXTS,
)
from sample_site.model import CommentSpec

#: Top-level comments per article, cycled by article position.
_COUNTS = (3, 5, 2, 4, 6, 1, 3, 2, 5, 4)
ID_BASE = 40_000_000

NFD_TEXT = "Très émouvant, j'ai pensé toute la journée à ces bâtisseurs du Moyen Âge."


class CommentFactory:
    """Hands out comment texts, authors and ids in a fixed order."""

    def __init__(self) -> None:
        self.counter = 0
        self.reply_counter = 0

    def _author(self, n: int) -> tuple[str | None, bool]:
        # Every ninth comment is anonymous: no name, no profile link.
        if n % 9 == 4:
            return None, False
        return COMMENTERS[n % len(COMMENTERS)]

    def thread(
        self, index: int, published: datetime, count: int, *, reply_rate: int = 3
    ) -> list[CommentSpec]:
        """``count`` top-level comments of article number ``index``, newest first."""
        top: list[CommentSpec] = []
        next_id = ID_BASE + index * 1000
        for k in range(count):
            n = self.counter
            self.counter += 1
            author, profile = self._author(n)
            posted = published + timedelta(minutes=13 + k * 37 + (index * 7) % 11)
            next_id += 1
            comment_id = str(next_id)
            replies = []
            for r in range(2 if (k + index) % 5 == 0 else 1 if (k + index) % reply_rate == 0
                           else 0):
                m = self.reply_counter
                self.reply_counter += 1
                reply_author, reply_profile = self._author(m * 5 + 2)
                next_id += 1
                replies.append(
                    CommentSpec(
                        comment_id=str(next_id),
                        author=reply_author,
                        posted_at=posted + timedelta(minutes=9 * (r + 1)),
                        text=REPLIES[m % len(REPLIES)],
                        has_profile=reply_profile,
                    )
                )
            top.append(
                CommentSpec(
                    comment_id=comment_id,
                    author=author,
                    posted_at=posted,
                    text=TEXTS[n % len(TEXTS)],
                    replies=tuple(replies),
                    has_profile=profile,
                )
            )
        top.reverse()
        return top


def default_count(index: int) -> int:
    return _COUNTS[index % len(_COUNTS)]


def with_hostile(comments: list[CommentSpec]) -> list[CommentSpec]:
    """Replace the oldest top-level comment's message with hostile text."""
    oldest = comments[-1]
    comments[-1] = replace(oldest, text=HOSTILE_TEXT, message_html=HOSTILE_HTML)
    return comments


def with_link(comments: list[CommentSpec]) -> list[CommentSpec]:
    """Give the newest top-level comment a message with a link, emphasis and ``&amp;``."""
    comments[0] = replace(comments[0], text=LINK_TEXT, message_html=LINK_HTML)
    return comments


def with_decomposed(comments: list[CommentSpec]) -> list[CommentSpec]:
    """A message served in NFD (combining accents); the stored text is NFC."""
    markup = "<p>" + unicodedata.normalize("NFD", html.escape(NFD_TEXT, quote=False)) + "</p>"
    comments[0] = replace(comments[0], text=NFD_TEXT, message_html=markup)
    return comments


def with_exact_repeat(comments: list[CommentSpec], new_id: str) -> list[CommentSpec]:
    """Add, as the newest comment, a second copy of an older named comment (new id)."""
    original = next(c for c in reversed(comments) if c.author is not None)
    repeat = CommentSpec(
        comment_id=new_id,
        author=original.author,
        posted_at=comments[0].posted_at + timedelta(minutes=3),
        text=original.text,
        has_profile=original.has_profile,
    )
    return [repeat, *comments]


def with_nested_reply(comments: list[CommentSpec], new_id: str) -> list[CommentSpec]:
    """Give the first reply of the first thread that has one a reply of its own."""
    for position, comment in enumerate(comments):
        if comment.replies:
            first = comment.replies[0]
            answer = CommentSpec(
                comment_id=new_id,
                author="Hélène R.",
                posted_at=first.posted_at + timedelta(minutes=4),
                text="Je réponds à la réponse : c'est exactement ça.",
            )
            nested = replace(first, replies=(answer,))
            comments[position] = replace(comment, replies=(nested, *comment.replies[1:]))
            return comments
    raise ValueError("no thread with a reply to nest under")
