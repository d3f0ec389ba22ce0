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
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from crawler.parsing import jsonld
from crawler.parsing.blocks import container_blocks, paragraph_container
from crawler.parsing.document import Page, node_text
from crawler.parsing.generic import is_default_image, ld_image_parts, ld_people
from crawler.parsing.layouts import Context, Layout, ld
from crawler.parsing.text import normalize_text
from crawler.parsing.vocabulary import inside

from .v2019 import LAYOUT as V2019

_LEAD_CLASS = re.compile(r"chapo|chapeau|lead|intro|standfirst|summary|resume|description")


@dataclass(frozen=True)
class Brand:
    """How one site of the platform names itself on its pages."""

    #: Names in ``<title>`` suffixes, ``og:site_name`` and the JSON-LD publisher.
    names: tuple[str, ...]
    #: Host of the site's image server.
    image_host: str

    @cached_property
    def title_suffix(self) -> re.Pattern[str]:
        names = "|".join(re.escape(name) for name in self.names)
        return re.compile(rf"\s+[-|–—]\s+(?:{names})\s*$", re.IGNORECASE)

    @cached_property
    def lowered(self) -> frozenset[str]:
        return frozenset(name.casefold() for name in self.names)

    def on(self, page: Page) -> bool:
        """True when the page says it is one of this brand's."""
        site_name = (page.meta("og:site_name") or "").casefold()
        publisher = jsonld.as_text(page.ld.get("publisher")) or ""
        return bool(
            self.title_suffix.search(page.title_tag or "")
            or site_name in self.lowered
            or publisher.casefold() in self.lowered
            or self.image_host in (page.meta("og:image") or "")
        )


RTL = Brand(names=("RTL", "RTL.fr", "www.rtl.fr"), image_host="images.rtl.fr")


def _title(ctx: Context, brand: Brand) -> str | None:
    for node in ctx.root.css("h1"):
        if not inside(node.root, ctx.root.root) and (value := node_text(node)):
            return value
    if value := jsonld.as_text(ctx.page.ld.get("headline")):
        return value
    title = ctx.page.title_tag
    return brand.title_suffix.sub("", title) if title and brand.title_suffix.search(title) else None


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


def layout(site: str, brand: Brand) -> Layout:
    """The 2021 template as one site of the platform serves it."""
    return Layout(
        site=site,
        version="v2021",
        # The 2019 markers first: asked once per page, they spare a 2019 page the JSON-LD.
        matches=lambda page: not V2019.matches(page) and bool(page.ld) and brand.on(page),
        root="article, main, [role=main]",
        fields={
            "title": lambda ctx: _title(ctx, brand),
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
        notes="what is public about the platform's sites since 2021 (design note, last section)",
    )


LAYOUT = layout("rtl", RTL)
