"""The shapes of the sample site's content: articles, comments and broken pages.

Every spec holds the *expected clean values* (what a correct crawler stores); the renderers
turn them into RTL-style markup with the noise and traps of the real pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

PARAGRAPH = "paragraph"
HEADING = "heading"


@dataclass(frozen=True)
class CommentSpec:
    """One reader comment and its replies (replies are shown oldest first)."""

    comment_id: str
    #: ``None`` for anonymous posts (rendered as a plain "Anonyme" span).
    author: str | None
    posted_at: datetime
    #: Expected stored text: paragraphs separated by "\n\n", line breaks as "\n".
    text: str
    replies: tuple[CommentSpec, ...] = ()
    #: Profile link shown for the author; ``False`` renders the name as a plain span.
    has_profile: bool = True
    #: Raw ``.post-message`` inner HTML, when the message carries markup that the
    #: renderer cannot derive from ``text`` (hostile markup, links, emphasis).
    message_html: str | None = None


@dataclass(frozen=True)
class ImageSpec:
    #: Path of the full-size image on the site (``og:image``), e.g. ``/images/1.jpg``.
    path: str
    caption: str
    credit: str


@dataclass(frozen=True)
class ArticleSpec:
    """An article as the site serves it, with the values a crawler should extract."""

    article_id: str
    #: Path segments before the slug, e.g. ``("actu", "international")``.
    path_parts: tuple[str, ...]
    slug: str
    title: str
    lead: str
    authors: tuple[str, ...]
    co_credit: str | None
    published_at: datetime
    modified_at: datetime | None
    reading_time_minutes: int
    tags: tuple[str, ...]
    #: ``meta keywords``: the tags followed by editorial labels.
    keywords: tuple[str, ...]
    image: ImageSpec | None
    #: ``(PARAGRAPH | HEADING, text)`` in page order.
    body_blocks: tuple[tuple[str, str], ...]
    #: Ids of related articles: the first is the "À lire aussi" insert, all of them are
    #: listed in "La rédaction vous recommande".
    related: tuple[str, ...]
    og_title: str
    og_description: str
    #: Top-level comments, newest first (the order the fragments serve them).
    comments: tuple[CommentSpec, ...] = ()
    #: Section listing (``/actu/<listing>``) that shows this article; ``None`` for none.
    listing: str | None = None
    in_sitemap: bool = True
    #: Page rendered without RTL template markup, only JSON-LD ``NewsArticle``.
    json_ld_only: bool = False
    #: HTML cut off after the body (still a valid article for a forgiving parser).
    truncated: bool = False
    #: Another path serving the same wire story under the same id (other section/slug).
    twin_path_parts: tuple[str, ...] | None = None
    twin_slug: str | None = None
    #: Comment ids repeated at the top of the next fragment page (newest-first paging
    #: shifted between two requests).
    shifted_comment_ids: tuple[str, ...] = ()

    @property
    def section(self) -> str:
        """Expected ``section``: the path segment right before the slug."""
        return self.path_parts[-1]

    @property
    def path(self) -> str:
        return "/" + "/".join((*self.path_parts, f"{self.slug}-{self.article_id}"))

    @property
    def twin_path(self) -> str | None:
        if self.twin_path_parts is None or self.twin_slug is None:
            return None
        return "/" + "/".join((*self.twin_path_parts, f"{self.twin_slug}-{self.article_id}"))

    @property
    def last_modified(self) -> datetime:
        return self.modified_at or self.published_at


@dataclass(frozen=True)
class BrokenPage:
    """A page linked from a listing that a crawler must reject (or, for ``stored``, keep).

    ``kind`` selects the rendering: ``missing_title``, ``missing_date``, ``empty_body``,
    ``http_404``, ``http_500`` or ``truncated`` (rendered from its ``ArticleSpec``).
    """

    article_id: str
    path_parts: tuple[str, ...]
    slug: str
    kind: str
    #: Expected ``RejectedPageItem.reason``; ``None`` for a defective page that must
    #: still be stored (``truncated``: its article is in ``ARTICLES``).
    reason: str | None
    #: Expected HTTP status of the page.
    status: int
    listing: str
    #: Date shown on the listing card (pages that have one also show it in the page).
    listed_at: datetime
    title: str
    lead: str

    @property
    def path(self) -> str:
        return "/" + "/".join((*self.path_parts, f"{self.slug}-{self.article_id}"))
