"""Main text and dates of a page of unknown structure, by libraries made for it:
trafilatura for the body, htmldate for the publication date.

Both are imported on first use: the site-layout path never needs them, and their imports
cost a fraction of a second.
"""

from __future__ import annotations

import copy
from datetime import datetime

from lxml import etree

from crawler.parsing.blocks import Block, drop_header_lines, trim_headings
from crawler.parsing.text import normalize_multiline, normalize_text
from crawler.parsing.vocabulary import RELATED_HEADING, is_body_noise

# Elements trafilatura's XML output uses for text blocks.
_HEADING_TAGS = frozenset({"head"})
_PARAGRAPH_TAGS = frozenset({"p", "quote", "list"})


def _without_noise(root: etree._Element) -> etree._Element:
    """A copy of the page without the containers our vocabulary calls noise (comment
    threads, share bars, related lists) nor media and their captions: trafilatura then
    never sees them."""
    tree = copy.deepcopy(root)
    doomed = [
        element for element in tree.iter() if element is not tree and is_body_noise(element)
    ]
    for element in doomed:
        parent = element.getparent()
        if parent is not None:
            # Keep the tail: it is text of the parent, not of the removed element.
            if element.tail:
                previous = element.getprevious()
                if previous is not None:
                    previous.tail = (previous.tail or "") + element.tail
                else:
                    parent.text = (parent.text or "") + element.tail
            parent.remove(element)
    return tree


def _text(element: etree._Element) -> str:
    for line_break in element.iter("lb"):
        line_break.tail = "\n" + (line_break.tail or "")
    return normalize_multiline("".join(element.itertext()))


def body_blocks(
    root: etree._Element, url: str | None, title: str | None, skip_texts: set[str]
) -> list[Block]:
    """Paragraphs and sub-headings of the page's main text, as trafilatura finds them.

    Left out: what trafilatura keeps above the headline (a kicker, a breadcrumb), the
    headline itself, blocks whose casefolded text is in ``skip_texts`` (the lead), and
    "À lire aussi" lines.
    """
    from trafilatura import bare_extraction  # slow import, see the module docstring

    document = bare_extraction(
        _without_noise(root),
        url=url,
        # Precision over recall: a body with a stray line of navigation or a related
        # link is worse than one missing a short paragraph.
        favor_precision=True,
        include_comments=False,
        # Old templates and print versions lay the whole page out in a table.
        include_tables=True,
        include_images=False,
        include_links=False,
        with_metadata=False,
    )
    body = getattr(document, "body", None)
    if body is None:
        return []
    headline = normalize_text(title).casefold() if title else None
    blocks: list[Block] = []
    # Its fallback extractors return nested markup rather than a flat list of blocks.
    for element in body.iter(*_HEADING_TAGS, *_PARAGRAPH_TAGS):
        if any(a.tag in _HEADING_TAGS | _PARAGRAPH_TAGS for a in element.iterancestors()):
            continue
        kind = "heading" if element.tag in _HEADING_TAGS else "paragraph"
        items = element.iter("item") if element.tag == "list" else [element]
        for item in items:
            value = _text(item)
            flat = normalize_text(value)
            if headline and flat.casefold() == headline:
                blocks = []  # everything above the headline is header material
                continue
            if not flat or flat.casefold() in skip_texts or RELATED_HEADING.match(flat):
                continue
            blocks.append({"type": kind, "text": flat if kind == "heading" else value})
    return trim_headings(drop_header_lines(blocks))


def publication_date(root: etree._Element, url: str | None) -> str | None:
    """The original publication date htmldate reads from the page without its noise
    containers (a sidebar of dated headlines is not the article's date), as ISO 8601 (a
    day without a time when the page gives none), or ``None``."""
    from htmldate import find_date  # slow import, see the module docstring

    try:
        found = find_date(
            _without_noise(root), original_date=True, extensive_search=False, url=url,
            outputformat="%Y-%m-%dT%H:%M:%S", max_date=datetime.now().strftime("%Y-%m-%d"),
        )
    except (ValueError, TypeError):
        return None
    if found and found.endswith("T00:00:00"):
        found = found[: -len("T00:00:00")]
    return found
