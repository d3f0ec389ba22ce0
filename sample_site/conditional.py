"""Conditional GET (RFC 9110 section 13): decide whether a request may get a 304."""

from __future__ import annotations

from email.utils import parsedate_to_datetime

from sample_site.site import Page


def _etag_matches(header: str, etag: str) -> bool:
    # Weak comparison: a W/ prefix does not matter for GET.
    candidates = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return "*" in candidates or etag.removeprefix("W/") in candidates


def not_modified(page: Page, if_none_match: str | None, if_modified_since: str | None) -> bool:
    """True when the client's cached copy is current.

    If-None-Match wins when present (If-Modified-Since is then ignored, as the RFC says),
    so an edit that keeps the article's date still reaches clients that send ETags.
    """
    if page.status != 200:
        return False
    etag = page.headers.get("ETag")
    if if_none_match is not None:
        return etag is not None and _etag_matches(if_none_match, etag)
    if if_modified_since is None or page.last_modified is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        return False
    return page.last_modified <= since
