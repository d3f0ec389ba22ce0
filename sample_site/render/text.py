"""Turn clean text into the markup real pages use for it.

Real RTL pages mix raw UTF-8 characters, named and numeric entities and non-breaking spaces
in French typography. The markup produced here always reads back (after HTML parsing and
whitespace collapsing) to exactly the clean text it came from, so the specs stay the
expected values.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from datetime import datetime

# French typography puts a non-breaking space before high punctuation and inside « ».
_NBSP_RULES = (
    (re.compile(r" ([:;?!»])"), r"&nbsp;\1"),
    (re.compile(r"« "), "«&nbsp;"),
)
_QUOTED = re.compile(r"«[^»]{1,200}»")


def esc(text: str) -> str:
    """Escape for element content or a double-quoted attribute."""
    return html.escape(text, quote=True)


def typo(text: str, variant: int = 0) -> str:
    """Escaped text with French typography; ``variant`` picks which entity styles appear,
    so different paragraphs exercise different decodings."""
    out = html.escape(text, quote=False)
    for pattern, replacement in _NBSP_RULES:
        out = pattern.sub(replacement, out)
    if variant % 3 == 1:
        out = out.replace("’", "&rsquo;").replace("«", "&laquo;").replace("»", "&raquo;")
    elif variant % 3 == 2:
        out = out.replace("'", "&#39;").replace("é", "&eacute;")
    return out


def inline(text: str, variant: int, links: dict[str, str] | None = None) -> str:
    """Paragraph markup: the text with some ``strong``, ``em`` and ``a.link`` wrapped
    around parts of it (never changing the text itself)."""
    spans: list[tuple[int, int, str, str]] = []
    if variant % 2 == 0:
        words = list(re.finditer(r"\S+", text))
        if len(words) > 6:
            spans.append((0, words[2].end(), "strong", ""))
    for match in _QUOTED.finditer(text):
        spans.append((match.start(), match.end(), "em", ""))
    for label, href in (links or {}).items():
        position = text.find(label)
        if position >= 0:
            spans.append((position, position + len(label), "a", href))
    out: list[str] = []
    cursor = 0
    for start, end, tag, href in _non_overlapping(spans):
        out.append(typo(text[cursor:start], variant))
        inner = typo(text[start:end], variant)
        if tag == "a":
            out.append(f'<a class="link" href="{esc(href)}">{inner}</a>')
        else:
            out.append(f"<{tag}>{inner}</{tag}>")
        cursor = end
    out.append(typo(text[cursor:], variant))
    return "".join(out)


def _non_overlapping(
    spans: Iterable[tuple[int, int, str, str]],
) -> list[tuple[int, int, str, str]]:
    kept: list[tuple[int, int, str, str]] = []
    for span in sorted(spans):
        if not kept or span[0] >= kept[-1][1]:
            kept.append(span)
    return kept


def date_fr(value: datetime) -> str:
    """``24/04/2019`` (the listing and byline date style)."""
    return value.strftime("%d/%m/%Y")


def time_fr(value: datetime, separator: str = ":") -> str:
    """``10:47`` in bylines, ``11h02`` in comments."""
    return value.strftime(f"%H{separator}%M")


def join_fr(items: list[str]) -> str:
    """``a``, ``a et b``, ``a, b et c`` (an empty list gives "")."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " et " + items[-1]
