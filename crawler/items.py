"""Items that flow from the spider through the pipelines into storage.

Every field says its format. The page parser fills an ``ArticleItem`` with raw strings as
found on the page; ``pipelines.clean`` turns them into their final form (the form named
below), ``pipelines.validate`` either lets the article through or replaces it with a
``RejectedPageItem``, and ``pipelines.store`` writes both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class ArticleItem:
    """One news article, with the reader comments read for it in this crawl."""

    #: URL the page was fetched from (absolute).
    url: str
    #: Name of the site the article is from (``crawler.sites``: ``rtl``, ``funradio``).
    site: str = "rtl"
    #: Canonical URL: https, the configured site host, no tracking parameters, no
    #: fragment, no ``/amp`` suffix. Derived from ``link[rel=canonical]`` when present.
    canonical_url: str | None = None
    #: The site's 10-digit article id taken from the URL (stable across slug edits),
    #: or ``None`` when the URL carries none.
    article_id: str | None = None
    #: Section slug from the URL path (``international`` for ``/actu/international/...``).
    section: str | None = None
    #: Headline (``h1``), not the social ``og:title`` variant unless nothing else exists.
    title: str | None = None
    #: Lead paragraph (chapô), plain text.
    lead: str | None = None
    #: Author display names, in page order, without the co-credit.
    authors: list[str] = field(default_factory=list)
    #: Co-credit such as ``"AFP"`` (from "et AFP"), or ``None``.
    co_credit: str | None = None
    #: First publication time: raw string from the parser, an aware ``datetime`` after
    #: cleaning (ISO 8601 with offset in JSON).
    published_at: str | datetime | None = None
    #: Last update time, same format as ``published_at``; ``None`` if never updated.
    modified_at: str | datetime | None = None
    #: Reading time in whole minutes ("2 min de lecture" -> 2).
    reading_time_minutes: int | None = None
    #: Editorial tags (the "follow" buttons), display text, page order, no repeats.
    tags: list[str] = field(default_factory=list)
    #: ``meta[name=keywords]``/``news_keywords`` split on commas, page order, no repeats.
    keywords: list[str] = field(default_factory=list)
    #: Main image: ``{"url": str, "caption": str | None, "credit": str | None}`` or ``None``.
    #: ``url`` is the full-size ``og:image`` when present; ``credit`` has no "Crédit :" prefix.
    image: dict[str, Any] | None = None
    #: Body text: the paragraphs and sub-headings of ``body_blocks`` joined by blank lines.
    body: str | None = None
    #: Body in page order: ``[{"type": "paragraph" | "heading", "text": str}, ...]``.
    body_blocks: list[dict[str, str]] = field(default_factory=list)
    #: Absolute URLs of related articles ("À lire aussi", recommendations), no repeats.
    related_urls: list[str] = field(default_factory=list)
    #: Content language as a BCP 47 tag (``"fr"``).
    language: str | None = None
    #: Reader comments, parents before their replies:
    #: ``{"comment_id": str, "parent_id": str | None, "author": str | None,
    #: "posted_at": str | datetime | None, "text": str}``; after deduplication a comment
    #: may also carry ``"duplicate_of": comment_id`` (an exact repeat by the same author,
    #: the later posting pointing at the first); storage decides repeats again over all
    #: of the article's stored comments, so this mark is informative only.
    comments: list[dict[str, Any]] = field(default_factory=list)
    #: For each filled field, the method that produced it: a site layout version
    #: (``site:rtl/v2019``, ``site:rtl/v2021``), the site's URL rules (``site:rtl``),
    #: ``json_ld``, ``open_graph``, ``meta`` or ``generic`` (main-text and date
    #: extraction on a page read without its template). Stored with the article.
    extraction: dict[str, str] = field(default_factory=dict)
    #: Every URL this article was reached or announced under (fetched URL, canonical,
    #: AMP twin, the link the crawler followed); stored as aliases.
    aliases: list[str] = field(default_factory=list)
    #: HTTP ``ETag`` and ``Last-Modified`` of the article page, sent back as
    #: ``If-None-Match``/``If-Modified-Since`` on the next run.
    etag: str | None = None
    http_last_modified: str | None = None
    #: True when the server answered 304 Not Modified: only the identity fields, the
    #: validators and the comments are filled, and the stored article text stays as is.
    not_modified: bool = False


@dataclass
class RejectedPageItem:
    """A page that was fetched but could not be stored as an article."""

    #: URL of the page.
    url: str
    #: Short machine-readable reason, e.g. ``missing_title``, ``http_404``.
    reason: str
    #: Human-readable detail (which fields were missing, the error message, ...).
    detail: str | None = None
    #: HTTP status of the response, when there was one.
    http_status: int | None = None
