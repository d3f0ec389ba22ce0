"""RTL's template since the 2021 rebuild (``site:rtl/v2021``).

No saved page of it is public; what is known (design note, "The 2021+ site"): schema.org
``NewsArticle`` JSON-LD (headline, dates with offset, ``Person`` authors beside an
``Organization`` such as AFP, image), Open Graph, ``<title>`` ending in " - RTL.fr"
(2021) or " - RTL", images on ``images.rtl.fr``, and the body as plain ``<p>`` elements of
an ``article``/``div`` container without the 2019 classes. The layout therefore reads its
metadata from the JSON-LD the site publishes and its body from the paragraph container,
and names no class: class names of an unseen template would be guesses.
"""

from __future__ import annotations

import re
from typing import Any

from crawler.parsing import jsonld
from crawler.parsing.blocks import container_blocks, paragraph_container
from crawler.parsing.document import Page, node_text
from crawler.parsing.generic import is_default_image, ld_image_parts, ld_people
from crawler.parsing.layouts import Context, Layout, ld
from crawler.parsing.text import normalize_text
from crawler.parsing.vocabulary import inside

from .v2019 import LAYOUT as V2019

_TITLE_SUFFIX = re.compile(r"\s+[-|–—]\s+RTL(?:\.fr)?\s*$", re.IGNORECASE)
_SITE_NAMES = frozenset({"rtl", "rtl.fr", "www.rtl.fr"})
_IMAGE_HOST = "images.rtl.fr"
_LEAD_CLASS = re.compile(r"chapo|chapeau|lead|intro|standfirst|summary|resume|description")


def _is_rtl_page(page: Page) -> bool:
    title = page.title_tag or ""
    site_name = (page.meta("og:site_name") or "").casefold()
    publisher = jsonld.as_text((page.ld.get("publisher") or {}) if page.ld else None) or ""
    image = page.meta("og:image") or ""
    return bool(
        _TITLE_SUFFIX.search(title)
        or site_name in _SITE_NAMES
        or publisher.casefold() in _SITE_NAMES
        or _IMAGE_HOST in image
    )


def _matches(page: Page) -> bool:
    return bool(page.ld) and not V2019.matches(page) and _is_rtl_page(page)


def _title(ctx: Context) -> str | None:
    for node in ctx.root.css("h1"):
        if not inside(node.root, ctx.root.root) and (value := node_text(node)):
            return value
    if value := jsonld.as_text(ctx.page.ld.get("headline")):
        return value
    title = ctx.page.title_tag
    return _TITLE_SUFFIX.sub("", title) if title and _TITLE_SUFFIX.search(title) else None


def _lead(ctx: Context) -> str | None:
    for node in ctx.root.css("p[class], div[class], h2[class]"):
        if (
            _LEAD_CLASS.search(node.root.get("class", "").lower())
            and not inside(node.root, ctx.root.root)
            and (value := node_text(node))
        ):
            return value
    return jsonld.as_text(ctx.page.ld.get("description"))


def _image(ctx: Context) -> dict[str, Any] | None:
    """The JSON-LD image with its caption and credit; its URL is the full-size
    ``og:image`` when there is one, as for every layout."""
    image, caption, credit = ld_image_parts(ctx)
    og_image = ctx.page.absolute(ctx.page.meta("og:image", "og:image:url"))
    url = og_image if og_image and not is_default_image(og_image) else None
    url = url or ctx.page.absolute(jsonld.as_text(image))
    return {"url": url, "caption": caption, "credit": credit} if url else None


def _body(ctx: Context) -> list[dict[str, str]]:
    container = paragraph_container(ctx.root.root)
    if container is None:
        return []
    skip = {
        normalize_text(v).casefold()
        for v in (ctx.found.get("title"), ctx.found.get("lead"))
        if v
    }
    return container_blocks(container, skip)


LAYOUT = Layout(
    site="rtl",
    version="v2021",
    matches=_matches,
    root="article, main, [role=main]",
    fields={
        "title": _title,
        "lead": _lead,
        "authors": lambda ctx: ld_people(ctx)[0],
        "co_credit": lambda ctx: next(iter(ld_people(ctx)[1]), None),
        "published_at": ld("datePublished"),
        "modified_at": lambda ctx: (
            v if (v := jsonld.as_text(ctx.page.ld.get("dateModified")))
            and v != ctx.found.get("published_at") else None
        ),
        "image": _image,
        "body_blocks": _body,
    },
    notes="what is public about www.rtl.fr since 2021 (design note, last section)",
)
