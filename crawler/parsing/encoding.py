"""The text of a page whose HTTP charset and real encoding disagree.

Scrapy (through w3lib) decodes a body with the charset of the ``Content-Type`` header
first and only then looks at the page's own ``<meta charset>``. A server that says
``utf-8`` for a windows-1252 page turns every "é" into U+FFFD, one that says
``windows-1252`` (or ``iso-8859-1``) for a UTF-8 page turns it into "Ã©". When the text
shows such damage, the other plausible decodings (the page's own declaration, UTF-8,
windows-1252: French pages predating UTF-8) are tried and the least damaged one wins.

This runs where the parsers read the text rather than in a downloader middleware: the
parsers are pure functions of a response and are also run outside a crawl (the extract
CLI, the tests), so the fix has to travel with them; and it costs one regex scan of the
text when nothing is wrong, which is nearly always.
"""

from __future__ import annotations

import re

from scrapy.http import TextResponse
from w3lib.encoding import html_body_declared_encoding, html_to_unicode, read_bom

# A UTF-8 lead byte read as windows-1252/latin-1 ("Ã", "Â", "â", ...) followed by a
# continuation byte read the same way (U+0080-U+00BF, or the characters windows-1252
# puts at 0x80-0x9F): "é" -> "Ã©", "’" -> "â€™". French text almost never has such pairs.
_MOJIBAKE = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
    "\u02c6\u02dc\u2013\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030"
    "\u2039\u203a\u20ac\u2122]"
)
_DAMAGE = re.compile(f"\ufffd|{_MOJIBAKE.pattern}")
_FALLBACKS = ("utf-8", "cp1252")


def damage(text: str) -> int:
    """How many characters look mis-decoded: replacement characters and mojibake pairs."""
    return len(_DAMAGE.findall(text))


def _decode(body: bytes, encoding: str) -> str | None:
    try:
        return html_to_unicode(f"charset={encoding}", body)[1]
    except LookupError:
        return None


def page_text(response: TextResponse) -> str:
    """``response.text``, or a better decoding of the body when that one is damaged.

    A byte order mark is trusted as Scrapy trusts it. Ties keep Scrapy's decoding, so a
    page that is merely truncated in the middle of a character is left alone.
    """
    text = response.text
    if not _DAMAGE.search(text) or read_bom(response.body)[0]:
        return text
    best, best_damage = text, damage(text)
    declared = html_body_declared_encoding(response.body)
    for encoding in (declared, *_FALLBACKS):
        if not encoding or best_damage == 0:
            continue
        candidate = _decode(response.body, encoding)
        if candidate is not None and (score := damage(candidate)) < best_damage:
            best, best_damage = candidate, score
    return best
