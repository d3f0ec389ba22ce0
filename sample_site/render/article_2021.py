"""The 2021 RTL article template, built only from what is public about it.

What is known of today's rtl.fr (design document, last section): ``NewsArticle`` JSON-LD,
Open Graph, images on ``images.rtl.fr/~c/<W>v<H>/...`` and a ``<title>`` suffixed
" - RTL". The class names below are this project's invention (the real ones are not
public); none of them is a 2019 template class. The body is plain ``<p>`` elements and
``h2`` sub-headings in ``div.rtl-article__content``; JSON-LD carries no ``articleBody``.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sample_site.layouts import LAYOUT_2021
from sample_site.model import HEADING, ArticleSpec
from sample_site.render.article import Defects, comments_section, insert_after, section_label
from sample_site.render.chrome import breadcrumb, head_noise, sidebars, site_footer, site_header
from sample_site.render.text import date_fr, esc, inline, join_fr, time_fr, typo
from sample_site.urls import (
    IMAGE_2021_FULL,
    IMAGE_2021_PAGE,
    amp_url,
    article_url,
    author_path,
    image_2021_url,
    image_url,
    tag_path,
)

_CSS = "rtl-article"


def news_article(spec: ArticleSpec, base_url: str, defects: Defects) -> dict[str, Any]:
    """The page's schema.org ``NewsArticle`` (no ``articleBody``: the text is only in the
    HTML). A missing title or date leaves out ``headline`` or the dates, as the page does."""
    url = article_url(spec, base_url)
    authors: list[dict[str, str]] = [
        {"@type": "Person", "name": name, "url": base_url + author_path(name)}
        for name in spec.authors
    ]
    if spec.co_credit:
        authors.append({"@type": "Organization", "name": spec.co_credit})
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "headline": spec.title,
        "description": spec.lead,
        "datePublished": spec.published_at.isoformat(),
        "author": authors,
        "publisher": {"@type": "Organization", "name": "RTL",
                      "logo": {"@type": "ImageObject", "url": f"{base_url}/logo-rtl.png"}},
        "articleSection": section_label(spec),
        "keywords": list(spec.keywords),
        "inLanguage": "fr-FR",
    }
    if spec.modified_at:
        data["dateModified"] = spec.modified_at.isoformat()
    if spec.image:
        width, height = IMAGE_2021_FULL
        data["image"] = {"@type": "ImageObject", "url": image_url(spec, base_url, LAYOUT_2021),
                         "caption": spec.image.caption, "creditText": spec.image.credit,
                         "width": width, "height": height}
    if defects.no_title:
        del data["headline"]
    if defects.no_dates:
        del data["datePublished"]
        data.pop("dateModified", None)
    return data


def _head(spec: ArticleSpec, base_url: str, defects: Defects) -> str:
    url = article_url(spec, base_url)
    # "</" must not appear raw inside a script element.
    ld = json.dumps(news_article(spec, base_url, defects), ensure_ascii=False)
    ld = ld.replace("</", "<\\/")
    parts = [
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<link rel="canonical" href="{esc(url)}">',
        f'<link rel="amphtml" href="{esc(amp_url(spec, base_url))}">',
        f'<meta name="description" content="{esc(spec.lead)}">',
        f'<meta name="keywords" content="{esc(", ".join(spec.keywords))}">',
        f'<meta property="og:url" content="{esc(url)}">',
        '<meta property="og:site_name" content="RTL">',
        '<meta property="og:type" content="article">',
        '<meta property="og:locale" content="fr_FR">',
        f'<meta property="og:description" content="{esc(spec.og_description)}">',
        '<meta name="twitter:card" content="summary_large_image">',
        '<meta name="twitter:site" content="@RTLFrance">',
    ]
    if not defects.no_title:
        parts.insert(0, f"<title>{typo(spec.title)} - RTL</title>")
        parts.append(f'<meta property="og:title" content="{esc(spec.og_title)}">')
        parts.append(f'<meta name="twitter:title" content="{esc(spec.og_title)}">')
    if (image := image_url(spec, base_url, LAYOUT_2021)) is not None:
        parts.append(f'<meta property="og:image" content="{esc(image)}">')
        width, height = IMAGE_2021_FULL
        parts.append(f'<meta property="og:image:width" content="{width}">')
        parts.append(f'<meta property="og:image:height" content="{height}">')
    parts.append(f'<script type="application/ld+json">{ld}</script>')
    return "<head>\n" + "\n".join(parts) + "\n" + head_noise() + "\n</head>"


def _time(css: str, label: str, when: datetime) -> str:
    return (f'<time class="{_CSS}__{css}" datetime="{when.isoformat()}">'
            f"{label} {date_fr(when)} à {time_fr(when, 'h')}</time>")


def _byline(spec: ArticleSpec, defects: Defects) -> str:
    links = [f'<a class="{_CSS}__author" href="{author_path(name)}">{typo(name)}</a>'
             for name in spec.authors]
    names = f'<span class="{_CSS}__authors">Par {join_fr(links)}</span>' if links else ""
    partner = (f' <span class="{_CSS}__partner">avec {typo(spec.co_credit)}</span>'
               if spec.co_credit else "")
    times = ""
    if not defects.no_dates:
        times = _time("published", "Publié le", spec.published_at)
        if spec.modified_at:
            times += " " + _time("updated", "mis à jour le", spec.modified_at)
    return (
        f'<div class="{_CSS}__byline">{names}{partner}<div class="{_CSS}__dates">{times}</div>'
        f'<span class="{_CSS}__reading-time">{spec.reading_time_minutes} min de lecture'
        "</span></div>"
    )


def _figure(spec: ArticleSpec) -> str:
    if spec.image is None:
        return ""
    return (
        f'<figure class="{_CSS}__visual">'
        f'<img src="{esc(image_2021_url(spec, *IMAGE_2021_PAGE))}" '
        f'alt="{esc(spec.image.caption)}" width="770" height="513" loading="eager">'
        f'<figcaption><span class="{_CSS}__visual-caption">{typo(spec.image.caption)}</span> '
        f'<span class="{_CSS}__visual-credit">Crédit&nbsp;: {typo(spec.image.credit)}</span>'
        "</figcaption></figure>"
    )


def _share(spec: ArticleSpec) -> str:
    return (
        f'<div class="{_CSS}__share"><span>Partager l\'article</span> '
        f'<a href="/article/share/{spec.article_id}?n=facebook">Facebook</a> '
        f'<a href="/article/share/{spec.article_id}?n=twitter">Twitter</a> '
        f'<button class="{_CSS}__copy-link" type="button">Copier le lien</button></div>'
    )


def _read_also(related: ArticleSpec, base_url: str) -> str:
    href = article_url(related, base_url) + "?utm_source=lire-aussi&utm_medium=article"
    return (
        f'<aside class="{_CSS}__read-also"><p class="{_CSS}__read-also-label">À lire aussi'
        f'</p><a href="{esc(href)}"><span class="{_CSS}__read-also-kicker">'
        f"{typo(section_label(related))}</span> {typo(related.title)}</a></aside>"
    )


def _content(spec: ArticleSpec, base_url: str, related: list[ArticleSpec]) -> str:
    links = {tag: tag_path(tag) for tag in spec.tags}
    insert_at = insert_after(spec.body_blocks) if related else None
    out = []
    paragraphs = 0
    for index, (kind, text) in enumerate(spec.body_blocks):
        if kind == HEADING:
            out.append(f'<h2 class="{_CSS}__subheading">{typo(text)}</h2>')
        else:
            markup = inline(text, paragraphs + len(spec.title), links)
            # Source line breaks inside a paragraph are plain whitespace to a reader.
            out.append("<p>" + markup.replace(". ", ".\n      ", 1) + "</p>")
            paragraphs += 1
            if paragraphs == 1:
                out.append('<div id="dynInfeed1" class="dyn-infeed"><span class="pub-label">'
                           "Publicité</span></div>")
        if index == insert_at:
            out.append(_read_also(related[0], base_url))
    out.append(_share(spec))
    return f'<div class="{_CSS}__content">\n' + "\n".join(out) + "\n</div>"


def _more(related: list[ArticleSpec], base_url: str) -> str:
    if not related:
        return ""
    items = "".join(
        f'<li><a href="{esc(article_url(r, base_url))}">{typo(r.title)}</a></li>'
        for r in related
    )
    return (f'<section class="{_CSS}__more"><h2 class="{_CSS}__more-title">La rédaction '
            f"vous recommande</h2><ul>{items}</ul></section>")


def article_2021_page(
    spec: ArticleSpec,
    base_url: str,
    related: list[ArticleSpec],
    une: list[tuple[str, str]],
    defects: Defects | None = None,
) -> str:
    """The full HTML of an article page in the 2021 layout."""
    defects = defects or Defects()
    title = "" if defects.no_title else f'<h1 class="{_CSS}__title">{typo(spec.title)}</h1>'
    if defects.no_body:
        # A video page: a player, no text.
        content = (f'<div class="{_CSS}__content"><div class="{_CSS}__player" '
                   f'data-video-id="{spec.article_id}"></div>{_share(spec)}</div>')
    else:
        content = _content(spec, base_url, related)
    tags = "".join(
        f'<li><a href="{tag_path(tag)}">{typo(tag)}</a></li>' for tag in spec.tags
    )
    top = (
        '<!DOCTYPE html>\n<html lang="fr">\n'
        + _head(spec, base_url, defects)
        + f'\n<body class="page-{_CSS}">\n'
        + site_header()
        + breadcrumb(spec.path_parts)
        + f'\n<main class="main-content">\n<article class="{_CSS}" '
        f'data-article-id="{spec.article_id}">\n'
        f'<header class="{_CSS}__header">'
        f'<a class="{_CSS}__section" href="/{"/".join(spec.path_parts)}">'
        f"{typo(section_label(spec))}</a>\n{title}\n"
        f'<p class="{_CSS}__lead">{typo(spec.lead)}</p>\n'
        + _byline(spec, defects)
        + f'\n<ul class="{_CSS}__tags">{tags}</ul>'
        + "</header>\n"
        + _figure(spec)
        + "\n"
        + content
    )
    if defects.truncated:
        # The connection dropped here: no closing tags, a tag cut in half.
        return top + f'\n<section class="{_CSS}__mo'
    return (
        top
        + "\n"
        + _more(related, base_url)
        + '\n<div class="OUTBRAIN" data-src="' + esc(article_url(spec, base_url))
        + '" data-widget-id="AR_1"></div>\n</article>\n'
        + comments_section(spec, base_url)
        + sidebars(une)
        + "\n</main>\n"
        + site_footer()
        + "\n</body>\n</html>\n"
    )
