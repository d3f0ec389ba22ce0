"""Body blocks (paragraphs and sub-headings) from the markup of an article's text."""

from __future__ import annotations

import re

from lxml import etree

from crawler.parsing.dates import DATE_IN_TEXT
from crawler.parsing.text import element_text, normalize_text
from crawler.parsing.vocabulary import RELATED_HEADING, inside, is_body_noise

Block = dict[str, str]

_HEADING = re.compile(r"h[1-6]")
_BLOCK_TAGS = frozenset({"p", "h2", "h3", "h4", "h5", "h6", "blockquote", "li"})
#: A paragraph this short is a caption, a byline or a label rather than article text.
MIN_PARAGRAPH = 40


_BYLINE_START = re.compile(
    r"^\s*(?:(?:publi[ée]e?|[ée]crit)\s+(?:par|le)|par|by|mis\s+[àa]\s+jour)\s", re.IGNORECASE
)
#: Longest line that can still be a byline or a dateline rather than text.
HEADER_LINE = 120


def is_header_line(text: str) -> bool:
    """True for a short line that is a byline or a dateline ("Par ...", "Chloé Vermeulen
    - 23/11/2019 - 10:00"), not article text."""
    return len(text) <= HEADER_LINE and bool(
        _BYLINE_START.match(text) or DATE_IN_TEXT.search(text)
    )


def drop_header_lines(blocks: list[Block]) -> list[Block]:
    """The blocks without the bylines and datelines that open them."""
    start = 0
    while start < len(blocks) and is_header_line(blocks[start]["text"]):
        start += 1
    return blocks[start:]


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


def _paragraph_sizes(root: etree._Element) -> list[tuple[etree._Element, int]]:
    """Paragraphs of text under ``root`` (outside noise, long enough to be text rather
    than a caption or a label) with their length."""
    sizes = []
    for p in root.iter("p"):
        if p.getparent() is None or not _usable(p, root):
            continue
        size = len(normalize_text(element_text(p)))
        if size >= MIN_PARAGRAPH:
            sizes.append((p, size))
    return sizes


def largest_paragraph_group(root: etree._Element) -> int:
    """Characters of text in the paragraphs that share one parent, for the parent that
    holds the most: a listing's teasers sit one per card, an article's text together."""
    totals: dict[etree._Element, int] = {}
    for p, size in _paragraph_sizes(root):
        parent = p.getparent()
        totals[parent] = totals.get(parent, 0) + size
    return max(totals.values(), default=0)


#: Share of the page's paragraph text the article container holds at least.
CONTAINER_SHARE = 0.8


def paragraph_container(root: etree._Element) -> etree._Element | None:
    """The element holding the article's paragraphs: the deepest one that contains
    ``CONTAINER_SHARE`` of the paragraph text under ``root`` (text split by an ad slot,
    a wrapper per section or one block per live-blog entry stays together)."""
    sizes = _paragraph_sizes(root)
    if not sizes:
        return None
    total = sum(size for _, size in sizes)
    held: dict[etree._Element, int] = {}
    depth: dict[etree._Element, int] = {}
    for p, size in sizes:
        # From the paragraph's parent up to ``root``; depth counts down from the parent.
        chain = [p.getparent()]
        while chain[-1] is not root and chain[-1].getparent() is not None:
            chain.append(chain[-1].getparent())
        for level, ancestor in enumerate(reversed(chain)):
            held[ancestor] = held.get(ancestor, 0) + size
            depth[ancestor] = level
    candidates = [e for e, n in held.items() if n >= CONTAINER_SHARE * total]
    return max(candidates, key=depth.__getitem__) if candidates else root


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
    return trim_headings(drop_header_lines(blocks))
