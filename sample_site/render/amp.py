"""AMP twins (``<article>/amp``): the same article in a stripped-down page whose
canonical link points back to the article URL."""

from __future__ import annotations

from sample_site.model import HEADING, ArticleSpec
from sample_site.render.text import date_fr, esc, time_fr, typo
from sample_site.urls import article_url, image_url, tag_path


def amp_page(spec: ArticleSpec, base_url: str) -> str:
    url = article_url(spec, base_url)
    blocks = "".join(
        f'<h2 class="article-title">{typo(text)}</h2>' if kind == HEADING
        else f'<p class="article-p">{typo(text)}</p>'
        for kind, text in spec.body_blocks
    )
    image = image_url(spec, base_url)
    figure = ""
    if spec.image and image:
        figure = (
            f'<figure class="article-media-figure"><amp-img class="media-item" '
            f'src="{esc(image)}" width="640" height="360" layout="responsive"></amp-img>'
            f'<span class="article-media-figcaption-title">{typo(spec.image.caption)}</span>'
            f' <span class="article-media-figcaption-credits">Crédit : '
            f"{typo(spec.image.credit)}</span></figure>"
        )
    authors = "".join(
        f'<span class="article-social-author-name">{typo(n)}</span>' for n in spec.authors
    )
    if spec.co_credit:
        authors += f'<span class="article-social-author-position">et {spec.co_credit}</span>'
    times = (f'<time class="publish-time" datetime="{spec.published_at.isoformat()}">publié '
             f"le {date_fr(spec.published_at)} à {time_fr(spec.published_at)}</time>")
    if spec.modified_at:
        times += (f' <time class="update-time" datetime="{spec.modified_at.isoformat()}">'
                  f"mis à jour le {date_fr(spec.modified_at)}</time>")
    follow = "".join(
        f'<a class="btn-follow" href="{tag_path(t)}">{typo(t)}</a>' for t in spec.tags
    )
    return (
        '<!doctype html>\n<html amp lang="fr"><head><meta charset="utf-8">'
        f"<title>{typo(spec.title)}</title>"
        f'<link rel="canonical" href="{esc(url)}">'
        f'<meta name="keywords" content="{esc(", ".join(spec.keywords))}">'
        + (f'<meta property="og:image" content="{esc(image)}">' if image else "")
        + "<style amp-custom>body{font-family:sans-serif}</style></head><body>"
        '<article class="article g-article">'
        f'<span class="article-duration">{spec.reading_time_minutes} min de lecture</span>'
        f'<div class="article-follow">{follow}</div>'
        f'<h1 class="article-header">{typo(spec.title)}</h1>'
        f'<h2 class="article-chapo">{typo(spec.lead)}</h2>'
        + figure
        + f'<div class="article-social">{authors}</div>'
        + f'<div class="article-info">{times}</div>'
        + f'<div class="article-mask">{blocks}</div>'
        + f'<a class="amp-back" href="{esc(url)}">Voir la version complète</a>'
        "</article></body></html>\n"
    )
