"""Pick the article page renderer of a layout (``sample_site.layouts``)."""

from __future__ import annotations

from sample_site.layouts import LAYOUT_2019, LAYOUT_2021, check_layout
from sample_site.model import ArticleSpec
from sample_site.render.article import Defects, article_page
from sample_site.render.article_2021 import article_2021_page
from sample_site.render.article_unknown import article_unknown_page
from sample_site.render.jsonld import jsonld_page


def article_html(
    layout: str,
    spec: ArticleSpec,
    base_url: str,
    related: list[ArticleSpec],
    une: list[tuple[str, str]],
    defects: Defects | None = None,
) -> str:
    """The article page of ``spec`` in ``layout``.

    In ``2019`` the JSON-LD-only article keeps its template-less page; the other layouts
    render it like every other article (it has no sub-headings, so its expected body,
    JSON-LD's plain text, is the same in every layout).
    """
    check_layout(layout)
    if layout == LAYOUT_2019:
        if spec.json_ld_only:
            return jsonld_page(spec, base_url, une)
        return article_page(spec, base_url, related, une, defects)
    if layout == LAYOUT_2021:
        return article_2021_page(spec, base_url, related, une, defects)
    return article_unknown_page(spec, base_url, related, une, defects)
