"""The 2019 RTL article template, as the design document describes it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sample_site.model import HEADING, PARAGRAPH, ArticleSpec
from sample_site.render.chrome import (
    SECTION_LABELS,
    breadcrumb,
    head_noise,
    sidebars,
    site_footer,
    site_header,
)
from sample_site.render.text import date_fr, esc, inline, time_fr, typo
from sample_site.urls import (
    amp_url,
    article_url,
    author_path,
    comments_url,
    image_url,
    resized_image_url,
    tag_path,
)


@dataclass(frozen=True)
class Defects:
    """What a broken page leaves out (see ``BROKEN_PAGES``)."""

    no_title: bool = False
    no_dates: bool = False
    no_body: bool = False
    #: Cut the HTML off right after the body, mid-tag.
    truncated: bool = False


def _head(spec: ArticleSpec, base_url: str, defects: Defects) -> str:
    url = article_url(spec, base_url)
    keywords = esc(", ".join(spec.keywords))
    parts = [
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<link rel="canonical" href="{esc(url)}">',
        f'<link rel="amphtml" href="{esc(amp_url(spec, base_url))}">',
        f'<meta name="description" content="{esc(spec.lead)}">',
        f'<meta name="keywords" content="{keywords}">',
        f'<meta name="news_keywords" content="{keywords}">',
        f'<meta property="og:url" content="{esc(url)}">',
        '<meta property="og:site_name" content="RTL.fr">',
        '<meta property="og:type" content="article">',
        f'<meta property="og:description" content="{esc(spec.og_description)}">',
        '<meta name="twitter:card" content="summary_large_image">',
        '<meta name="twitter:site" content="@RTLFrance">',
        f'<meta name="twitter:description" content="{esc(spec.og_description)}">',
    ]
    if not defects.no_title:
        parts.insert(0, f"<title>{typo(spec.title)} - RTL</title>")
        parts.append(f'<meta property="og:title" content="{esc(spec.og_title)}">')
        parts.append(f'<meta name="twitter:title" content="{esc(spec.og_title)}">')
    if (image := image_url(spec, base_url)) is not None:
        parts.append(f'<meta property="og:image" content="{esc(image)}">')
        parts.append(f'<meta name="twitter:image" content="{esc(image)}">')
    return "<head>\n" + "\n".join(parts) + "\n" + head_noise() + "\n</head>"


def _byline(spec: ArticleSpec, defects: Defects) -> str:
    names = "".join(
        '<div class="article-social-author-picture">'
        f'<img src="/images/auteurs/{author_path(name)[8:]}.jpg" alt="{esc(name)}"></div>'
        f'<div class="article-social-author-name"><a href="{author_path(name)}">'
        f"{typo(name)}</a></div>"
        for name in spec.authors
    )
    if spec.co_credit:
        names += f'<div class="article-social-author-position">et {typo(spec.co_credit)}</div>'
    times = ""
    if not defects.no_dates:
        times = _time("publish-time", "publié le", spec.published_at)
        if spec.modified_at:
            times += " " + _time("update-time", "mis à jour le", spec.modified_at)
    return (
        f'<div class="article-social"><div class="article-social-author">{names}</div>'
        f'<div class="article-info">{times}</div>'
        '<div class="article-share share-bar"><span class="share-title">Partager '
        "l'article</span> "
        f'<a class="share-facebook" href="/article/share/{spec.article_id}?n=facebook">'
        "Facebook</a> "
        f'<a class="share-twitter" href="/article/share/{spec.article_id}?n=twitter">'
        "Twitter</a></div></div>"
    )


def _time(css: str, label: str, when: datetime) -> str:
    return (
        f'<time class="{css}" datetime="{when.isoformat()}">'
        f"{label} {date_fr(when)} à {time_fr(when)}</time>"
    )


def _figure(spec: ArticleSpec, base_url: str) -> str:
    if spec.image is None:
        return ""
    return (
        '<figure class="article-media-figure">'
        f'<img class="media-item" src="{esc(resized_image_url(spec, base_url) or "")}" '
        f'alt="{esc(spec.image.caption)}" width="640" height="360">'
        '<figcaption class="article-media-figcaption">'
        f'<span class="article-media-figcaption-title">{typo(spec.image.caption)}</span> '
        '<span class="article-media-figcaption-credits">Crédit&nbsp;: '
        f"{typo(spec.image.credit)}</span></figcaption></figure>"
    )


def _related_insert(related: ArticleSpec, base_url: str) -> str:
    # The tracking string is what the real inserts carry; canonical URLs drop it.
    href = article_url(related, base_url) + "?utm_source=lire-aussi&utm_medium=article"
    label = SECTION_LABELS.get(related.section, related.section.title())
    return (
        '<div class="article-related"><span class="article-related-label">À lire aussi'
        f'</span><a href="{esc(href)}"><img src="/images/mini/{related.article_id}.jpg" '
        f'alt="{esc(related.title)}"><span class="related-kicker">{typo(label)}</span> '
        f'<span class="related-title">{typo(related.title)}</span></a></div>'
    )


def insert_after(blocks: tuple[tuple[str, str], ...]) -> int | None:
    """Index of the body block the "À lire aussi" insert follows: the first sub-heading,
    else the second paragraph; ``None`` when there is neither. Every layout places it
    there, so what a cut after the body keeps (``expected._related``) does not vary."""
    headings = [n for n, (kind, _) in enumerate(blocks) if kind == HEADING]
    if headings:
        return headings[0]
    paragraphs = [n for n, (kind, _) in enumerate(blocks) if kind == PARAGRAPH]
    return paragraphs[1] if len(paragraphs) >= 2 else None


def body_html(spec: ArticleSpec, base_url: str, related: list[ArticleSpec],
              heading_tag: str) -> str:
    """``div.article-mask``: paragraphs and sub-headings with ads and inserts between."""
    links = {tag: tag_path(tag) for tag in spec.tags}
    insert_at = insert_after(spec.body_blocks) if related else None
    out = []
    paragraphs = 0
    for index, (kind, text) in enumerate(spec.body_blocks):
        if kind == HEADING:
            out.append(f'<{heading_tag} class="article-title">{typo(text)}</{heading_tag}>')
        else:
            variant = paragraphs + len(spec.slug)
            # Source line breaks inside a paragraph are plain whitespace to a reader.
            markup = inline(text, variant, links).replace(". ", ".\n        ", 1)
            out.append(f'<p class="article-p">{markup}</p>')
            paragraphs += 1
            if paragraphs == 1:
                out.append('<div id="dynInfeed1" class="dyn-infeed"><span class="pub-label">'
                           "Publicité</span></div>")
            elif paragraphs == 3:
                out.append('<div data-role="m6pub" class="m6pub-slot" id="infeed-2"></div>'
                           "<script>window.m6pub&&m6pub.load('infeed-2');</script>")
        if index == insert_at:
            out.append(_related_insert(related[0], base_url))
    return '<div class="article-mask">\n' + "\n".join(out) + "\n</div>"


def _recommendation(related: list[ArticleSpec], base_url: str) -> str:
    items = "".join(
        f'<li class="item"><a class="item-link" href="{esc(article_url(r, base_url))}">'
        f'<span class="item-title">{typo(r.title)}</span></a></li>'
        for r in related
    )
    return (
        '<div class="article-recommendation"><p class="recommendation-title">La rédaction '
        f"vous recommande</p><ul>{items}</ul></div>"
    )


def _markers(spec: ArticleSpec) -> str:
    push = {
        "contentAuthor": ", ".join(spec.authors),
        "pageRubrique": spec.path_parts[0],
        "pageSousRubrique": spec.section,
        "contentSubject": spec.tags[0] if spec.tags else "",
        "contentId": spec.article_id,
    }
    # Single-quoted attribute as on the real pages: only ' and & need escaping.
    data = json.dumps(push, ensure_ascii=False).replace("&", "&amp;").replace("'", "&#39;")
    return (
        f"<div id=\"ua-marker\" data-push='{data}'></div>"
        f'<div class="analytics-tag" data-authors="{esc(", ".join(spec.authors))}"></div>'
    )


def comments_section(spec: ArticleSpec, base_url: str) -> str:
    url = article_url(spec, base_url)
    return (
        '<section class="article-comments comments" id="comments">'
        '<h2 class="comments-header">Commentaires</h2>'
        '<div class="comments-login"><p>Afin d\'assurer la sécurité et la qualité de ce '
        "site, nous vous demandons de vous identifier pour laisser vos commentaires. Cette "
        "inscription sera valable sur le site RTL.fr.</p>"
        '<a class="btn btn-login" href="/connexion">Connectez-vous</a> '
        '<a class="btn btn-register" href="/inscription">Inscrivez-vous</a></div>'
        f'<form class="comment-form" method="post" action="{esc(url)}/ajouter">'
        '<textarea name="message" maxlength="500"></textarea>'
        '<span class="counter">500 caractères restants</span>'
        '<button type="submit">Publier</button></form>'
        '<div class="modal report-modal"><button class="modal-close">fermer</button>'
        '<p class="modal-title">Signaler un abus</p>'
        "<p>Signaler le commentaire suivant comme abusif</p>"
        '<form method="post" action="/commentaire/signaler">'
        '<input type="hidden" name="commentId" value="">'
        '<textarea name="reason" maxlength="500"></textarea>'
        '<span class="counter">500 caractères restants</span></form></div>'
        f'<div id="timeline-list" class="timeline-list" data-url="{esc(comments_url(url))}">'
        "</div></section>"
    )


def article_page(
    spec: ArticleSpec,
    base_url: str,
    related: list[ArticleSpec],
    une: list[tuple[str, str]],
    defects: Defects | None = None,
) -> str:
    """The full HTML of an article page."""
    defects = defects or Defects()
    heading_tag = "h2" if int(spec.article_id) % 2 == 0 else "h3"
    reading = f"{spec.reading_time_minutes} min de lecture"
    follow = "".join(
        f'<a class="btn-follow" href="{tag_path(tag)}">{typo(tag)}</a>' for tag in spec.tags
    )
    title = "" if defects.no_title else f'<h1 class="article-header">{typo(spec.title)}</h1>'
    body = "" if defects.no_body else body_html(spec, base_url, related, heading_tag)
    if defects.no_body and related:
        # A video page: a player and an insert, but no text.
        body = (
            '<div class="article-mask"><div class="video-player" data-video-id="'
            f'{spec.article_id}"></div>{_related_insert(related[0], base_url)}</div>'
        )
    top = (
        '<!DOCTYPE html>\n<html lang="fr" class="no-js">\n'
        + _head(spec, base_url, defects)
        + '\n<body class="page-article">\n'
        + site_header()
        + breadcrumb(spec.path_parts)
        + '\n<main class="main-content">\n<article class="article g-article">\n'
        f'<div class="article-top"><span class="article-duration">{reading}</span>'
        f'<div class="article-follow">{follow}</div></div>\n'
        f"{title}\n"
        f'<h2 class="article-chapo">{typo(spec.lead)}</h2>\n'
        + _figure(spec, base_url)
        + _byline(spec, defects)
        + '\n<div class="article-body">\n'
        + body
    )
    if defects.truncated:
        # The connection dropped here: no closing tags, a tag cut in half.
        return top + '\n<div class="article-recommendation"><p>La rédaction vous ' \
            'recommande</p><ul><li class="ite'
    tag_links = " ".join(
        f'<a class="tag-link" href="{tag_path(tag)}">{typo(tag)}</a>' for tag in spec.tags
    )
    return (
        top
        + '\n<span class="read-more">Lire la suite</span>\n</div>\n'
        + (_recommendation(related, base_url) if related else "")
        + f'<div class="article-tags">{tag_links}</div>'
        + '<div class="restez-informe"><p>Restez informé</p></div>'
        + '<div class="OUTBRAIN" data-src="' + esc(article_url(spec, base_url))
        + '" data-widget-id="AR_1"></div>\n'
        + _markers(spec)
        + "\n</article>\n"
        + comments_section(spec, base_url)
        + sidebars(une)
        + "\n</main>\n"
        + site_footer()
        + "\n</body>\n</html>\n"
    )


def section_label(spec: ArticleSpec) -> str:
    return SECTION_LABELS.get(spec.section, spec.section.title())
