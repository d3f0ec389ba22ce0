"""Text helpers shared by the page parsers and the cleaning stage.

Everything stored is the text a reader sees: markup elements are reduced to their text,
``<br>`` becomes a line break and block elements (paragraphs) are separated by a blank
line. Entities are decoded once, by the HTML parser; ``decode_entities`` exists for the
metadata values (JSON-LD, ``meta`` attributes) that sites often escape twice.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterable

from lxml import etree
from lxml import html as lxml_html

# Private-use characters mark structure while the text is assembled, so that source
# newlines (plain whitespace in HTML) and ``<br>`` line breaks stay distinguishable.
_BREAK = "\ue000"
_BLOCK = "\ue001"
_MARKERS = re.compile(f"[{_BREAK}{_BLOCK}]")

BLOCK_TAGS = frozenset(
    {
        "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd",
        "blockquote", "section", "article", "header", "footer", "figure", "figcaption",
        "table", "thead", "tbody", "tr", "pre", "address", "main",
    }
)
# Elements whose content is never text a reader reads as part of the element.
SKIP_TAGS = frozenset(
    {
        "script", "style", "noscript", "template", "iframe", "button", "form", "svg", "head",
        "title", "select", "textarea", "input", "object", "embed", "canvas", "video",
        "audio", "source",
    }
)

# Interface strings of RTL-style pages; never article or comment content.
UI_STRINGS = frozenset(
    s.casefold()
    for s in (
        "Signaler un abus",
        "Signaler le commentaire suivant comme abusif",
        "500 caractères restants",
        "fermer",
        "Connectez-vous",
        "Inscrivez-vous",
        "Répondre",
        "Voir plus",
        "Voir plus de commentaires",
        "Charger plus de commentaires",
        "Afficher les réponses",
        "Masquer les réponses",
        "À lire aussi",
        "A lire aussi",
        "Lire la suite",
        "Lire aussi",
        "La rédaction vous recommande",
        "Partager l'article",
        "Partager l’article",
        "Partager",
        "Restez informé",
        "Soyez le premier à réagir",
        "Publicité",
    )
)
_UI_PATTERNS = (
    re.compile(r"^\d+\s+r[ée]ponses?$", re.IGNORECASE),
    re.compile(r"^voir (?:les )?\d+ r[ée]ponses?$", re.IGNORECASE),
    re.compile(r"^\d+ caract[èe]res restants$", re.IGNORECASE),
)

# Removed from all text: control characters other than tab and newline (PostgreSQL
# refuses NUL in text; C1 controls only come from mis-decoded bytes), zero-width
# characters, the bidi embedding/override/isolate controls (they reorder what follows, the
# "gnp.exe" spoof; the plain direction marks U+200E/U+200F stay), and lone surrogates (from
# JSON "\ud800" escapes: they cannot be encoded as UTF-8, so storing them would fail).
_CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u200c\u200d\u2060\ufeff"
    "\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
_SPACES = re.compile(r"[^\S\n]+")
_ALL_SPACE = re.compile(r"\s+")
_BLANK_LINES = re.compile(r"\n{3,}")


def _prepare(value: str) -> str:
    value = unicodedata.normalize("NFC", value)
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", value)


def strip_controls(value: str) -> str:
    """The value without the characters ``normalize_text`` removes, nothing else changed:
    for text about to be parsed as markup (lxml cuts a string at a lone surrogate)."""
    return _CONTROL.sub("", value)


def normalize_text(value: str | None) -> str:
    """One line of text: NFC, control characters removed, whitespace runs -> one space."""
    if not value:
        return ""
    return _ALL_SPACE.sub(" ", _prepare(value)).strip()


def normalize_multiline(value: str | None) -> str:
    """Text with line structure: spaces collapsed per line, lines stripped, at most one
    blank line between paragraphs (``"\\n\\n"``), NFC, control characters removed."""
    if not value:
        return ""
    lines = [_SPACES.sub(" ", line).strip() for line in _prepare(value).split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def decode_entities(value: str) -> str:
    """Decode HTML character references (``&amp;``, ``&#039;``) once.

    Only complete references (ending in ``;``) are decoded: ``html.unescape`` alone also
    reads legacy forms such as ``&copy`` inside words ("R&copy" would change).
    """
    return _ENTITY.sub(lambda m: html.unescape(m.group(0)), value)


def dedupe(values: Iterable[str], key: Callable[[str], str] | None = None) -> list[str]:
    """Non-empty values in first-seen order, without repeats (compared by ``key``)."""
    seen: set[str] = set()
    result = []
    for value in values:
        if not value:
            continue
        marker = key(value) if key else value
        if marker not in seen:
            seen.add(marker)
            result.append(value)
    return result


def is_ui_string(line: str) -> bool:
    """True when a whole line is interface text ("Signaler un abus", "3 réponses")."""
    line = normalize_text(line)
    return line.casefold() in UI_STRINGS or any(p.match(line) for p in _UI_PATTERNS)


def remove_ui_lines(text: str) -> str:
    """Drop the lines that are interface strings; other lines are kept verbatim."""
    kept = [line for line in text.split("\n") if not is_ui_string(line)]
    return normalize_multiline("\n".join(kept))


def _tag(element: etree._Element) -> str | None:
    # Comments and processing instructions have a callable tag and no text for readers.
    return element.tag.lower() if isinstance(element.tag, str) else None


def _walk(
    element: etree._Element,
    parts: list[str],
    skip: Callable[[etree._Element], bool] | None,
) -> None:
    # An explicit stack rather than recursion: hostile pages nest thousands of unclosed
    # elements, deeper than Python's recursion limit.
    stack: list[etree._Element | str] = [element]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            # Text already prepared: a tail or a block end.
            parts.append(node)
            continue
        tag = _tag(node)
        if tag is None or tag in SKIP_TAGS or (skip is not None and skip(node)):
            continue
        if tag == "br":
            parts.append(_BREAK)
            continue
        block = tag in BLOCK_TAGS
        if block:
            parts.append(_BLOCK)
            stack.append(_BLOCK)
        if node.text:
            parts.append(_MARKERS.sub("", node.text))
        # Children are pushed last-first so that they pop in document order, each child
        # before its own tail (a skipped child's tail is still text of this element).
        for child in reversed(node):
            if child.tail:
                stack.append(_MARKERS.sub("", child.tail))
            stack.append(child)


def element_text(
    element: etree._Element,
    skip: Callable[[etree._Element], bool] | None = None,
) -> str:
    """The text of an element as displayed: ``<br>`` -> ``"\\n"``, blocks -> ``"\\n\\n"``.

    Inline elements (``strong``, ``em``, ``a``) keep their text; scripts, styles, forms
    and buttons contribute nothing, nor does any element for which ``skip`` is true.
    """
    parts: list[str] = []
    _walk(element, parts, skip)
    text = _SPACES.sub(" ", _ALL_SPACE.sub(" ", "".join(parts)))
    text = text.replace(_BREAK, "\n").replace(_BLOCK, "\n\n")
    return normalize_multiline(text)


def markup_to_text(value: str) -> str:
    """Text of an HTML fragment (as found in JSON-LD values), or the value if it has
    no markup."""
    if "<" not in value:
        return normalize_multiline(decode_entities(value))
    value = strip_controls(value)
    try:
        root = lxml_html.fragment_fromstring(value, create_parent="div")
    except (etree.ParserError, ValueError):
        return normalize_multiline(decode_entities(value))
    return element_text(root)


_CREDIT_PREFIX = re.compile(r"^\s*(?:cr[ée]dits?|photo|©)\s*:?\s*", re.IGNORECASE)


def strip_credit_prefix(value: str | None) -> str | None:
    """An image credit without its label ("Crédit : KCNA / AFP" -> "KCNA / AFP")."""
    return _CREDIT_PREFIX.sub("", normalize_text(value)).strip() or None


def class_tokens(element: etree._Element) -> set[str]:
    """The element's CSS classes."""
    return set((element.get("class") or "").split())
