"""Comment fragments (``<article>/commentaires[?page=N]``), per the design document.

Two markup variants alternate between articles (chosen by the article id's parity) so a
parser can rely only on what the document calls stable: ``.timeline-post[data-comment-id]``,
an author element (``timeline-author`` or ``timeline-post-author``), ``time.timeline-time``,
``.post-message``, nested ``.timeline-replies`` and a next-page control.
"""

from __future__ import annotations

import html

from sample_site.articles import slugify
from sample_site.model import ArticleSpec, CommentSpec
from sample_site.render.text import date_fr, time_fr
from sample_site.urls import comments_url

PAGE_SIZE = 10


def message_html(comment: CommentSpec, loose: bool) -> str:
    """The ``.post-message`` content: paragraphs, ``<br>`` line breaks, escaped text."""
    if comment.message_html is not None:
        return comment.message_html
    paragraphs = []
    for paragraph in comment.text.split("\n\n"):
        lines = [html.escape(line, quote=False) for line in paragraph.split("\n")]
        inner = "<br>".join(lines)
        # Source indentation is whitespace a reader never sees.
        paragraphs.append(f"<p>\n      {inner}\n    </p>" if loose else f"<p>{inner}</p>")
    return "".join(paragraphs)


def _author(comment: CommentSpec, css: str) -> str:
    if comment.author is None:
        return f'<span class="{css}">Anonyme</span>'
    name = html.escape(comment.author, quote=False)
    if not comment.has_profile:
        return f'<span class="{css}">{name}</span>'
    return f'<span class="{css}"><a href="/club/profil/{slugify(comment.author)}">{name}</a></span>'


def _replies_label(count: int) -> str:
    return "1 réponse" if count == 1 else f"{count} réponses"


def _post(comment: CommentSpec, variant: int, parent_id: str | None) -> str:
    when = comment.posted_at
    day, hour = f"le {date_fr(when)}", f"à {time_fr(when, 'h')}"
    parent = f' data-parent-id="{parent_id}"' if parent_id and variant == 1 else ""
    replies = "".join(_post(r, variant, comment.comment_id) for r in comment.replies)
    replies_block = f'<div class="timeline-replies">{replies}</div>' if replies else ""
    count = (f' <span class="replies-count">{_replies_label(len(comment.replies))}</span>'
             if comment.replies else "")
    if variant == 0:
        return (
            f'<div class="timeline-post" data-comment-id="{comment.comment_id}"{parent}>'
            f'<div class="pic"><img src="/club/avatar/{comment.comment_id}.png" alt=""></div>'
            '<header class="timeline-post-header">'
            + _author(comment, "timeline-author")
            + f' <time class="timeline-time" datetime="{when.isoformat()}">'
            f'<span class="timeline-date">{day}</span> <span class="timeline-hour">{hour}'
            "</span></time></header>"
            f'<div class="post-message">{message_html(comment, loose=False)}</div>'
            f'<footer class="timeline-actions"><a class="report" data-comment-id="'
            f'{comment.comment_id}" href="#">Signaler un abus</a> '
            f'<button class="btn-reply" type="button">Répondre</button>{count}</footer>'
            f"{replies_block}</div>"
        )
    # Variant 1 keeps the interface links inside the message block, as some templates do.
    return (
        f'<div class="timeline-post" data-comment-id="{comment.comment_id}"{parent}>\n'
        "  <header>"
        + _author(comment, "timeline-post-author")
        + f' <span class="timeline-date">{day}</span>'
        f' <time class="timeline-time" datetime="{when.isoformat()}">{hour}</time></header>\n'
        f'  <div class="post-message">{message_html(comment, loose=True)}'
        '<div class="timeline-actions"><a class="report" href="#" data-comment-id="'
        f'{comment.comment_id}">Signaler un abus</a> <a class="reply" href="#">Répondre</a>'
        f"{count}</div></div>\n"
        f"  {replies_block}\n</div>\n"
    )


def paginate(spec: ArticleSpec) -> list[list[CommentSpec]]:
    """Top-level comments per page (newest first); a shifted comment is served again at
    the top of the next page. Always at least one (possibly empty) page."""
    chunks = [list(spec.comments[i : i + PAGE_SIZE])
              for i in range(0, len(spec.comments), PAGE_SIZE)] or [[]]
    for number in range(1, len(chunks)):
        last = chunks[number - 1][-1]
        if last.comment_id in spec.shifted_comment_ids:
            chunks[number].insert(0, last)
    return chunks


def comment_pages(spec: ArticleSpec, article: str) -> list[str]:
    """The fragment of each page, for an article served at the absolute URL ``article``."""
    variant = int(spec.article_id) % 2
    pages = paginate(spec)
    total = sum(1 + _count_replies(c) for c in spec.comments)
    fragments = []
    for number, comments in enumerate(pages, start=1):
        if not comments:
            fragments.append(
                '<div class="timeline-empty"><p>Soyez le premier à réagir</p></div>\n'
            )
            continue
        header = (f'<div class="timeline-header"><span class="timeline-count">{total} '
                  "commentaires</span></div>\n")
        posts = "\n".join(_post(c, variant, None) for c in comments)
        more = ""
        if number < len(pages):
            following = comments_url(article, number + 1)
            if variant == 0:
                relative = following.split("/", 3)[3]
                more = (f'\n<a class="timeline-more" href="/{relative}">Voir plus de '
                        "commentaires</a>")
            else:
                more = (f'\n<button class="btn-load-more" type="button" '
                        f'data-url="{html.escape(following)}">Voir plus</button>')
        fragments.append(header + posts + more + "\n")
    return fragments


def _count_replies(comment: CommentSpec) -> int:
    return sum(1 + _count_replies(r) for r in comment.replies)
