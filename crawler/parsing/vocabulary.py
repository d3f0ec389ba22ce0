"""What is not article text, as data: the noise vocabulary every parser layer reads.

Site layouts and the generic layer share it, so a new kind of share bar or ad slot is one
entry here rather than a change in each parser.
"""

from __future__ import annotations

import re

from lxml import etree

from crawler.parsing.text import class_tokens

#: Classes of containers whose text is never the article's own (whole-token match).
NOISE_CLASSES = frozenset(
    {"article-related", "article-recommendation", "read-more", "article-share",
     "share-bar", "social-share", "share", "article-social-share", "OUTBRAIN",
     "ob-widget", "pub", "ad", "ads", "advert", "advertisement", "m6pub", "sidebar",
     "flash-actu", "comments", "timeline-list", "related", "newsletter", "cookie-banner",
     "breadcrumb", "paywall"}
)
#: Fragments of class names or ids that mark such containers wherever they appear
#: (``article__share-buttons``, ``sidebar-right``, ``bloc-lire-aussi``).
NOISE_FRAGMENTS = (
    "outbrain", "taboola", "share", "partage", "related", "lire-aussi",
    "lireaussi", "read-also", "newsletter", "comment", "sidebar", "cookie", "consent",
    "breadcrumb", "ariane", "advert", "dfp", "paywall", "recommend", "most-read",
    "plus-lus", "trending", "teaser-list", "footer", "subscribe", "abonne", "tags",
    "topics", "kicker", "surtitre",
)
#: Elements that never hold article text.
NOISE_TAGS = frozenset({"aside", "nav", "form", "footer", "dialog"})
#: Media elements: not body text, though a byline or the lead image may sit in one.
MEDIA_TAGS = frozenset({"figure", "figcaption", "picture", "video", "audio", "iframe"})
#: Fragments of class names that mark a picture, a player or a caption: not body text.
MEDIA_FRAGMENTS = ("caption", "legend", "credit", "photo", "visual", "player", "gallery")
#: Headings that introduce a list of links to other articles, not article text.
RELATED_HEADING = re.compile(
    r"^\s*(?:[àa]\s+lire\s+aussi|lire\s+aussi|lire\s+la\s+suite|voir\s+aussi|"
    r"sur\s+le\s+m[êe]me\s+sujet|la\s+r[ée]daction\s+vous\s+recommande|"
    r"[àa]\s+voir\s+[ée]galement|nos\s+articles|les\s+plus\s+lus|en\s+continu)\b",
    re.IGNORECASE,
)


# The fragments as one search each: these tests run on every element of an article.
_NOISE_FRAGMENT = re.compile("|".join(map(re.escape, NOISE_FRAGMENTS)))
_MEDIA_FRAGMENT = re.compile("|".join(map(re.escape, MEDIA_FRAGMENTS)))

#: Elements a page's own classes never make noise: CMSs put layout flags such as
#: ``one-sidebar`` or ``has-comments`` on them.
NEVER_NOISE = frozenset({"html", "body", "main", "article"})


def _marked(element: etree._Element) -> bool:
    if element.tag.lower() in NEVER_NOISE:
        return False
    classes = class_tokens(element)
    if classes & NOISE_CLASSES:
        return True
    element_id = (element.get("id") or "").lower()
    names = " ".join([*classes, element_id]).lower()
    if _NOISE_FRAGMENT.search(names):
        return True
    return (
        element_id.startswith("dyninfeed")
        or element.get("data-role") == "m6pub"
        or (element.get("role") or "").lower() in {"navigation", "complementary"}
    )


def is_noise(element: etree._Element) -> bool:
    """True for a container whose text is not the article's (ads, share bars, related
    lists, sidebars, comments, navigation, forms)."""
    if not isinstance(element.tag, str):
        return False
    if element.tag.lower() in NOISE_TAGS:
        return True
    return _marked(element)


def is_body_noise(element: etree._Element) -> bool:
    """:func:`is_noise`, plus media (figures, players and their captions): what body
    text skips."""
    if not isinstance(element.tag, str):
        return False
    if element.tag.lower() in MEDIA_TAGS:
        return True
    if element.tag.lower() in NEVER_NOISE:
        return False
    names = " ".join(class_tokens(element)).lower()
    return bool(_MEDIA_FRAGMENT.search(names)) or is_noise(element)


def inside(element: etree._Element, stop: etree._Element, test=is_noise) -> bool:
    """True when an ancestor of ``element`` below ``stop`` passes ``test``."""
    for ancestor in element.iterancestors():
        if ancestor is stop:
            return False
        if test(ancestor):
            return True
    return False
