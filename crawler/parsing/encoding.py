"""The text of a page whose HTTP charset and real encoding disagree.

Scrapy (through w3lib) decodes a body with the charset of the ``Content-Type`` header
first and only then looks at the page's own ``<meta charset>``. A server that says
``utf-8`` for a windows-1252 page turns every "é" into U+FFFD, one that says
``windows-1252`` (or ``iso-8859-1``) for a UTF-8 page turns it into "Ã©". When the text
shows such damage, the other plausible decodings (the page's own declaration, UTF-8,
windows-1252: French pages predating UTF-8) are tried and the least damaged one wins.

:func:`page_selector` is the page parsed once, as the parsers read it: the tree of
:func:`page_text`, built straight from the bytes when they are clean UTF-8.

This runs where the parsers read the text rather than in a downloader middleware: the
parsers are pure functions of a response and are also run outside a crawl (the extract
CLI, the tests), so the fix has to travel with them; and it costs one regex scan of the
text when nothing is wrong, which is nearly always.
"""

from __future__ import annotations

import codecs
import re

from lxml import etree, html
from parsel import Selector
from scrapy.http import TextResponse
from w3lib.encoding import (
    html_body_declared_encoding,
    html_to_unicode,
    read_bom,
    resolve_encoding,
)

# A UTF-8 lead byte read as windows-1252/latin-1 ("Ã", "Â", "â", ...) followed by a
# continuation byte read the same way (U+0080-U+00BF, or the characters windows-1252
# puts at 0x80-0x9F): "é" -> "Ã©", "’" -> "â€™". French text almost never has such pairs.
_LEADS = [chr(code) for code in range(0xC2, 0xF5)]
_FOLLOWERS = [chr(code) for code in range(0x80, 0xC0)] + list(
    "\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014"
    "\u2018\u2019\u201a\u201c\u201d\u201e\u2020\u2021\u2022\u2026\u2030\u2039\u203a"
    "\u20ac\u2122"
)
_MOJIBAKE = re.compile(
    f"[{re.escape(''.join(_LEADS))}][{re.escape(''.join(_FOLLOWERS))}]"
)
_DAMAGE = re.compile(f"\ufffd|{_MOJIBAKE.pattern}")
# The same pairs in the UTF-8 bytes of a page: a byte regex starting with a fixed byte
# (0xC3, which every one of the leads starts with) scans a page of several hundred
# kilobytes about ten times faster than the character classes above scan its text.
_MOJIBAKE_UTF8 = re.compile(
    b"(?:"
    + b"|".join(re.escape(lead.encode()) for lead in _LEADS)
    + b")(?:"
    + b"|".join(re.escape(follower.encode()) for follower in _FOLLOWERS)
    + b")"
)
_FALLBACKS = ("utf-8", "cp1252")


def damage(text: str) -> int:
    """How many characters look mis-decoded: replacement characters and mojibake pairs."""
    return len(_DAMAGE.findall(text))


def _damaged(response: TextResponse, text: str) -> bool:
    """Whether ``text`` (the response's decoding) holds any damage :func:`damage` counts.

    When the body was decoded as UTF-8 without a replacement character, it is valid UTF-8
    and the text is exactly its decoding, so the pairs are looked for in the bytes (see
    ``_MOJIBAKE_UTF8``); otherwise in the text.
    """
    if "\ufffd" in text:
        return True
    if _is_utf8(response.encoding):
        # No replacement character: valid UTF-8, whose decoding is exactly ``text``.
        return _MOJIBAKE_UTF8.search(response.body) is not None
    return _MOJIBAKE.search(text) is not None


#: Decodings that never beat a clean UTF-8 decoding (see :func:`_never_better`).
_WESTERN = frozenset({"utf-8", "cp1252", "iso8859-1", "ascii"})


def _clean_utf8(response: TextResponse, text: str) -> bool:
    """The body was decoded as UTF-8 without a replacement character: it is valid UTF-8."""
    return "\ufffd" not in text and _is_utf8(response.encoding)


def _never_better(declared: str | None) -> bool:
    """Whether every other decoding :func:`page_text` tries is as damaged or worse than a
    clean UTF-8 decoding, whatever the text, so the damage need not be counted.

    The candidates are the page's declared encoding, UTF-8 (the same text) and
    windows-1252. Read as windows-1252 (or latin-1), every non-ASCII character of valid
    UTF-8 becomes a lead character (bytes 0xC2-0xF4) followed by a continuation one
    (0x80-0xBF: all of them followers, or a replacement character): at least one damage
    per non-ASCII character, while the UTF-8 text has at most one per non-ASCII
    character. Ties keep the first decoding. Only another declared encoding (say
    koi8-r) could win, and then the damage is counted as before.
    """
    if not declared:
        return True
    resolved = resolve_encoding(declared)
    try:
        return resolved is not None and codecs.lookup(resolved).name in _WESTERN
    except LookupError:
        return False


def _is_utf8(encoding: str | None) -> bool:
    try:
        return codecs.lookup(encoding or "").name == "utf-8"
    except LookupError:
        return False


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
    if read_bom(response.body)[0]:
        return text
    declared = html_body_declared_encoding(response.body)
    if _clean_utf8(response, text) and _never_better(declared):
        return text
    if not _damaged(response, text):
        return text
    best, best_damage = text, damage(text)
    for encoding in (declared, *_FALLBACKS):
        if not encoding or best_damage == 0:
            continue
        candidate = _decode(response.body, encoding)
        if candidate is not None and (score := damage(candidate)) < best_damage:
            best, best_damage = candidate, score
    return best


_REPLACEMENT_UTF8 = "\ufffd".encode()


def _has_replacement(body: bytes) -> bool:
    """Whether the UTF-8 bytes hold U+FFFD. Its lead byte is rare in French text and
    ``find`` of one byte is a ``memchr``: ten times faster than ``in`` for the three."""
    lead, rest = _REPLACEMENT_UTF8[:1], _REPLACEMENT_UTF8[1:]
    at = body.find(lead)
    while at != -1:
        if body.startswith(rest, at + 1):
            return True
        at = body.find(lead, at + 1)
    return False


def _clean_utf8_tree(response: TextResponse) -> etree._Element | None:
    """The tree of a page whose body is clean UTF-8 by every test :func:`page_text`
    applies, parsed from the bytes; ``None`` when any test fails or lxml meets a byte
    that is not UTF-8."""
    body = response.body
    if not _is_utf8(response.encoding) or read_bom(body[:4])[0]:
        return None
    # A literal U+FFFD sends page_text to count the damage; let it.
    if _has_replacement(body) or not _never_better(html_body_declared_encoding(body)):
        return None
    # What parsel does to a body, each copy of the page made only when it changes it.
    data = body.replace(b"\x00", b"") if b"\x00" in body else body
    if data[:1].isspace() or data[-1:].isspace():
        data = data.strip()
    data = data or b"<html></html>"
    parser = html.HTMLParser(recover=True, encoding="utf-8", huge_tree=True)
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError:
        return None
    if root is None or any(error.type in _ENCODING_ERRORS for error in parser.error_log):
        return None
    return root


_ENCODING_ERRORS = frozenset(
    {etree.ErrorTypes.ERR_INVALID_CHAR, etree.ErrorTypes.ERR_INVALID_ENCODING}
)


def page_selector(response: TextResponse) -> Selector:
    """The page parsed once: the tree ``Selector(text=page_text(response))`` gives.

    Nearly every page is clean UTF-8, and for those the bytes go to lxml as they are:
    decoding several hundred kilobytes to ``str`` only for parsel to encode them back
    cost more than the parse itself. Any other page (another encoding, a byte order
    mark, damage, bytes that are not UTF-8) is parsed from :func:`page_text`.
    """
    root = _clean_utf8_tree(response)
    if root is not None:
        return Selector(root=root, type="html")
    return Selector(text=page_text(response) or "<html></html>", type="html")
