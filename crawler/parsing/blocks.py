"""Body blocks (paragraphs and sub-headings) from the markup of an article's text."""

from __future__ import annotations

import re

from lxml import etree

from crawler.parsing.text import element_text, normalize_text
from crawler.parsing.vocabulary import RELATED_HEADING, inside, is_body_noise

Block = dict[str, str]

_HEADING = re.compile(r"h[1-6]")
_BLOCK_TAGS = frozenset({"p", "h2", "h3", "h4", "h5", "h6", "blockquote", "li"})
#: A paragraph this short is a caption, a byline or a label rather than article text.
MIN_PARAGRAPH = 40


def trim_headings(blocks: list[Block]) -> list[Block]:
    """Only headings *between* paragraphs are sub-headings: one before the first or after
    the last paragraph is the page's headline, a lead or a section title."""
    start = next((i for i, b in enumerate(blocks) if b["type"] != "heading"), len(blocks))
    end = len(blocks)
    while end > start and blocks[end - 1]["type"] == "heading":
        end -= 1
    return blocks[start:end]


def _usable(element: etree._Element, stop: etree._Element) -> bool:
    return not (is_body_noise(element) or inside(element, stop, is_body_noise))


def _only_a_link(element: etree._Element, value: str) -> bool:
    # A block that is nothing but a link is a pointer to another article.
    anchors = [a for a in element.iter("a")]
    linked = "".join(normalize_text(element_text(a)) for a in anchors)
    return bool(anchors) and len(linked) >= 0.9 * len(normalize_text(value))


def paragraph_container(root: etree._Element) -> etree._Element | None:
    """The element holding the article's paragraphs: the parent of the most paragraph
    text, widened to its parent while sibling blocks there hold paragraphs too (text
    split by an ad slot or a wrapper per section)."""
    totals: dict[etree._Element, int] = {}
    for p in root.iter("p"):
        parent = p.getparent()
        if parent is None or not _usable(p, root):
            continue
        size = len(normalize_text(element_text(p)))
        if size >= MIN_PARAGRAPH:
            totals[parent] = totals.get(parent, 0) + size
    if not totals:
        return None
    best = max(totals, key=totals.__getitem__)
    for _ in range(2):
        parent = best.getparent()
        if parent is None or best is root:
            break
        siblings = sum(total for element, total in totals.items()
                       if element is not best and element.getparent() is parent)
        if siblings == 0:
            break
        best = parent
    return best


def container_blocks(container: etree._Element, skip_texts: set[str]) -> list[Block]:
    """Paragraphs and headings inside ``container`` in page order, without noise, without
    "À lire aussi" sections, and without the texts in ``skip_texts`` (casefolded: the
    lead, the headline, a byline)."""
    blocks: list[Block] = []
    last: etree._Element | None = None
    skipping_related = False
    for element in container.iter():
        if not isinstance(element.tag, str) or element is container:
            continue
        tag = element.tag.lower()
        heading = bool(_HEADING.fullmatch(tag))
        if not heading and tag not in _BLOCK_TAGS:
            continue
        if not _usable(element, container):
            continue
        if last is not None and any(a is last for a in element.iterancestors()):
            continue
        value = element_text(element, skip=is_body_noise)
        if not heading and _only_a_link(element, value):
            continue
        if heading:
            value = normalize_text(value)
        if not value:
            continue
        last = element
        if RELATED_HEADING.match(value):
            # The list of links that follows belongs to the insert, not the text.
            skipping_related = True
            continue
        if skipping_related:
            if tag == "li":
                continue
            skipping_related = False
        if normalize_text(value).casefold() in skip_texts:
            continue
        blocks.append({"type": "heading" if heading else "paragraph", "text": value})
    return trim_headings(blocks)
