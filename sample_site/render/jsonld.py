"""A "new template" article page: no RTL template markup, only schema.org JSON-LD.

Title, lead, dates, authors and body are readable by people in plain elements, but the
machine-readable source is the ``NewsArticle`` object; the RTL classes are absent.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sample_site.model import PARAGRAPH, ArticleSpec
from sample_site.render.article import comments_section
from sample_site.render.chrome import (
    SECTION_LABELS,
    head_noise,
    sidebars,
    site_footer,
    site_header,
)
from sample_site.render.text import esc, typo
from sample_site.urls import amp_url, article_url, image_url

_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre")


def _long_date(value: datetime) -> str:
    return f"{_DAYS[value.weekday()]} {value.day} {_MONTHS[value.month - 1]} {value.year}"


def news_article(spec: ArticleSpec, base_url: str) -> dict[str, Any]:
    """The schema.org object; the body is plain paragraphs separated by blank lines."""
    paragraphs = [text for kind, text in spec.body_blocks if kind == PARAGRAPH]
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": article_url(spec, base_url)},
        "headline": spec.title,
        "description": spec.lead,
        "datePublished": spec.published_at.isoformat(),
        "author": [{"@type": "Person", "name": name} for name in spec.authors],
        "publisher": {"@type": "Organization", "name": "RTL",
                      "logo": {"@type": "ImageObject", "url": f"{base_url}/logo.png"}},
        "articleSection": SECTION_LABELS.get(spec.section, spec.section),
        "keywords": list(spec.keywords),
        "inLanguage": "fr-FR",
        "timeRequired": f"PT{spec.reading_time_minutes}M",
        "articleBody": "\n\n".join(paragraphs),
    }
    if spec.modified_at:
        data["dateModified"] = spec.modified_at.isoformat()
    if spec.image:
        data["image"] = {"@type": "ImageObject", "url": image_url(spec, base_url),
                         "caption": spec.image.caption, "creditText": spec.image.credit}
    return data


def jsonld_page(spec: ArticleSpec, base_url: str, une: list[tuple[str, str]]) -> str:
    url = article_url(spec, base_url)
    # "</" must not appear raw inside a script element.
    ld = json.dumps(news_article(spec, base_url), ensure_ascii=False).replace("</", "<\\/")
    tags = "".join(f'<meta property="article:tag" content="{esc(t)}">' for t in spec.tags)
    image = image_url(spec, base_url)
    head = (
        '<head><meta charset="utf-8">'
        f"<title>{typo(spec.title)} | RTL</title>"
        f'<link rel="canonical" href="{esc(url)}">'
        f'<link rel="amphtml" href="{esc(amp_url(spec, base_url))}">'
        f'<meta name="description" content="{esc(spec.lead)}">'
        f'<meta name="keywords" content="{esc(", ".join(spec.keywords))}">'
        f'<meta property="og:url" content="{esc(url)}">'
        '<meta property="og:site_name" content="RTL.fr">'
        '<meta property="og:type" content="article">'
        f'<meta property="og:title" content="{esc(spec.og_title)}">'
        f'<meta property="og:description" content="{esc(spec.og_description)}">'
        + (f'<meta property="og:image" content="{esc(image)}">' if image else "")
        + tags
        + f'<script type="application/ld+json">{ld}</script>'
        + head_noise()
        + "</head>"
    )
    paragraphs = "".join(
        f'<p class="news-paragraph">{typo(text, n)}</p>'
        for n, (kind, text) in enumerate(spec.body_blocks)
        if kind == PARAGRAPH
    )
    figure = ""
    if spec.image:
        figure = (
            f'<figure class="main-visual"><img src="{esc(image or "")}" alt="">'
            f"<figcaption>{typo(spec.image.caption)} © {typo(spec.image.credit)}"
            "</figcaption></figure>"
        )
    byline = " et ".join(typo(name) for name in spec.authors)
    return (
        '<!DOCTYPE html>\n<html lang="fr">\n' + head + '\n<body class="tpl-2021">'
        + site_header()
        + '<main class="page-2021"><div class="news-header">'
        f'<span class="kicker">{typo(SECTION_LABELS.get(spec.section, spec.section))}</span>'
        f'<h1 class="headline">{typo(spec.title)}</h1>'
        f'<p class="standfirst">{typo(spec.lead)}</p>'
        f'<p class="byline">Par {byline}</p>'
        f'<p class="dateline">Publié le {_long_date(spec.published_at)} à '
        f"{spec.published_at:%Hh%M}</p></div>"
        + figure
        + f'<div class="news-body">{paragraphs}</div></main>'
        + comments_section(spec, base_url)
        + sidebars(une)
        + site_footer()
        + "</body>\n</html>\n"
    )
