"""An article layout no parser was written for: the site after a redesign nobody saw coming.

Other class names and nesting (``div.story > header.story-head > h1.story-title``, the text
in ``section.story-body div.txt > p``), no JSON-LD, an ``og:title`` equal to the headline,
the authors as plain text ("Par Jean Dupont, avec AFP") and the publication time in a
``<time datetime>`` of the byline whose text reads "Publié le 09/11/2019 à 08h35". What a
generic reader has: the HTML structure, Open Graph and the plain ``<meta>`` elements.
"""

from __future__ import annotations

from datetime import datetime

from sample_site.model import HEADING, ArticleSpec
from sample_site.render.article import Defects, insert_after, section_label
from sample_site.render.chrome import head_noise, sidebars, site_footer, site_header
from sample_site.render.text import date_fr, esc, inline, join_fr, time_fr, typo
from sample_site.urls import (
    amp_url,
    article_url,
    comments_url,
    image_url,
    resized_image_url,
    tag_path,
)


def _head(spec: ArticleSpec, base_url: str, defects: Defects) -> str:
    url = article_url(spec, base_url)
    parts = [
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width">',
        f'<link rel="canonical" href="{esc(url)}">',
        f'<link rel="amphtml" href="{esc(amp_url(spec, base_url))}">',
        f'<meta name="description" content="{esc(spec.lead)}">',
        f'<meta name="keywords" content="{esc(", ".join(spec.keywords))}">',
        f'<meta property="og:url" content="{esc(url)}">',
        '<meta property="og:type" content="article">',
        '<meta property="og:site_name" content="RTL">',
        f'<meta property="og:description" content="{esc(spec.og_description)}">',
    ]
    if not defects.no_title:
        parts.insert(0, f"<title>{typo(spec.title)} | RTL</title>")
        parts.append(f'<meta property="og:title" content="{esc(spec.title)}">')
    if (image := image_url(spec, base_url)) is not None:
        parts.append(f'<meta property="og:image" content="{esc(image)}">')
    return "<head>\n" + "\n".join(parts) + "\n" + head_noise() + "\n</head>"


def _stamp(css: str, label: str, when: datetime) -> str:
    return (f'<time class="{css}" datetime="{when.isoformat()}">'
            f"{label} {date_fr(when)} à {time_fr(when, 'h')}</time>")


def _byline(spec: ArticleSpec, defects: Defects) -> str:
    names = join_fr([typo(name) for name in spec.authors])
    if spec.co_credit:
        names += (", avec " if names else "") + typo(spec.co_credit)
    parts = [f'<span class="story-by">Par {names}</span>'] if names else []
    if not defects.no_dates:
        parts.append(_stamp("story-stamp", "Publié le", spec.published_at))
        if spec.modified_at:
            parts.append(_stamp("story-stamp story-stamp-edit", "Mis à jour le",
                                spec.modified_at))
    parts.append(f'<span class="story-read">Lecture : {spec.reading_time_minutes} min</span>')
    return '<div class="story-byline">' + " · ".join(parts) + "</div>"


def _visual(spec: ArticleSpec, base_url: str) -> str:
    if spec.image is None:
        return ""
    return (
        f'<div class="story-visual"><img src="{esc(resized_image_url(spec, base_url) or "")}"'
        f' alt=""><p class="story-legend">{typo(spec.image.caption)} — '
        f"{typo(spec.image.credit)}</p></div>"
    )


def _text(spec: ArticleSpec) -> str:
    links = {tag: tag_path(tag) for tag in spec.tags}
    out = []
    for index, (kind, text) in enumerate(spec.body_blocks):
        if kind == HEADING:
            out.append(f'<h3 class="txt-inter">{typo(text)}</h3>')
            continue
        out.append(f"<p>{inline(text, index + len(spec.lead), links)}</p>")
        if index == 1:
            out.append('<div class="promo-slot" data-slot="story-2"></div>'
                       "<script>window.promo&&promo.fill('story-2');</script>")
    return '<div class="txt">\n' + "\n".join(out) + "\n</div>"


def _also(spec: ArticleSpec, related: list[ArticleSpec], base_url: str) -> str:
    if not related or insert_after(spec.body_blocks) is None:
        return ""
    first = related[0]
    return (f'<aside class="story-also"><strong>À lire aussi</strong> '
            f'<a href="{esc(article_url(first, base_url))}">{typo(first.title)}</a></aside>')


def _topics(spec: ArticleSpec) -> str:
    topics = ", ".join(f'<a href="{tag_path(tag)}">{typo(tag)}</a>' for tag in spec.tags)
    return f'<p class="story-topics">Thèmes : {topics}</p>' if topics else ""


def _foot(spec: ArticleSpec, related: list[ArticleSpec], base_url: str) -> str:
    more = "".join(
        f'<li><a href="{esc(article_url(r, base_url))}">{typo(r.title)}</a></li>'
        for r in related
    )
    return (
        '<footer class="story-foot">'
        + (f'<div class="story-more"><p>Sur le même sujet</p><ul>{more}</ul></div>'
           if more else "")
        + '<div class="story-share">Partager : '
        f'<a href="/article/share/{spec.article_id}?n=facebook">Facebook</a> '
        f'<a href="/article/share/{spec.article_id}?n=twitter">Twitter</a></div></footer>'
    )


def _reactions(spec: ArticleSpec, base_url: str) -> str:
    url = article_url(spec, base_url)
    return (
        '<div class="reactions" id="reactions"><h2>Réactions</h2>'
        '<p class="reactions-login">Connectez-vous pour réagir. '
        '<a href="/connexion">Connexion</a></p>'
        f'<div class="reactions-list" data-src="{esc(comments_url(url))}"></div></div>'
    )


def article_unknown_page(
    spec: ArticleSpec,
    base_url: str,
    related: list[ArticleSpec],
    une: list[tuple[str, str]],
    defects: Defects | None = None,
) -> str:
    """The full HTML of an article page in the unknown layout."""
    defects = defects or Defects()
    title = "" if defects.no_title else f'<h1 class="story-title">{typo(spec.title)}</h1>'
    if defects.no_body:
        text = f'<div class="txt"><div class="player" data-id="{spec.article_id}"></div></div>'
    else:
        text = _text(spec)
    where = "/" + "/".join(spec.path_parts)
    top = (
        '<!DOCTYPE html>\n<html lang="fr">\n'
        + _head(spec, base_url, defects)
        + '\n<body class="v3">\n'
        + site_header()
        + f'\n<div class="page-wrap">\n<div class="story" id="story-{spec.article_id}">\n'
        '<header class="story-head">'
        f'<p class="story-path"><a href="{where}">{typo(section_label(spec))}</a></p>\n'
        f"{title}\n"
        f'<p class="story-intro">{typo(spec.lead)}</p>\n'
        + _byline(spec, defects)
        + _topics(spec)
        + "</header>\n"
        + _visual(spec, base_url)
        + '\n<section class="story-body">\n'
        + text
        + _also(spec, related, base_url)
        + "</section>\n"
    )
    if defects.truncated:
        # The connection dropped here: no closing tags, a tag cut in half.
        return top + '<footer class="story-fo'
    return (
        top
        + _foot(spec, related, base_url)
        + "\n</div>\n"
        + _reactions(spec, base_url)
        + sidebars(une)
        + "\n</div>\n"
        + site_footer()
        + "\n</body>\n</html>\n"
    )
