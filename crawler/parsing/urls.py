"""URL rules of RTL-style sites: one canonical form per article, ids and sections.

The same article is reachable under tracking query strings, fragments, its ``/amp`` twin,
http or https and with or without ``www.``; everything that identifies articles (the
spider's request filter, aliases, deduplication) goes through ``canonicalize_url`` so that
these variants collapse to one string.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

from w3lib.url import canonicalize_url as w3lib_canonicalize_url
from w3lib.url import url_query_cleaner

# Parameters that only say where a visitor came from; they never select content.
TRACKING_PARAMS = frozenset(
    {
        "xtor",
        "xts",
        "fbclid",
        "gclid",
        "dclid",
        "gclsrc",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "ref_src",
        "cmpid",
        "ito",
    }
)
TRACKING_PREFIXES = ("utm_", "at_", "ns_", "pk_", "mtm_", "matomo_", "piwik_", "oly_")

_ARTICLE_SLUG = re.compile(r"^[A-Za-z0-9_%.-]+-(\d{10})$")
_AMP_SUFFIX = re.compile(r"/amp/?$", re.IGNORECASE)
_DEFAULT_PORTS = {"http": 80, "https": 443}

COMMENTS_SUFFIX = "/commentaires"


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def _bare_host(host: str) -> str:
    return host[4:] if host.startswith("www.") else host


def _effective_port(scheme: str, port: int | None) -> int | None:
    return port if port is not None else _DEFAULT_PORTS.get(scheme)


def _article_path(path: str) -> str:
    """The path without the AMP suffix and trailing slashes."""
    return _AMP_SUFFIX.sub("", path).rstrip("/")


# Pure and asked for again and again: the same related links, section links and
# canonical URLs come back on page after page of a site.
@lru_cache(maxsize=8192)
def canonicalize_url(url: str, base_url: str | None = None) -> str:
    """Return the one form under which an article URL is stored and compared.

    Drops the fragment, tracking parameters, a trailing ``/amp`` segment and trailing
    slashes; sorts the remaining query (w3lib) and lowercases the host. With ``base_url``,
    a relative URL is resolved against it, and a URL on the base host (with or without
    ``www.``, on the base port or the scheme's default port) takes the base's scheme, host
    and port, so http/https and www variants collapse.
    """
    url = url.strip()
    if base_url:
        url = urljoin(base_url, url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        # An unparsable port or bracket: nothing sensible to normalise, keep it as given.
        return url
    if parts.scheme not in _DEFAULT_PORTS:
        return url
    names = [name for name, _ in parse_qsl(parts.query, keep_blank_values=True)]
    tracking = [name for name in names if _is_tracking(name)]
    if tracking:
        url = url_query_cleaner(url, tracking, remove=True, unique=False, keep_fragments=False)
    url = w3lib_canonicalize_url(url, keep_fragments=False)
    parts = urlsplit(url)
    scheme, host = parts.scheme, (parts.hostname or "")
    if _effective_port(scheme, port) == _DEFAULT_PORTS[scheme]:
        port = None
    netloc = host if port is None else f"{host}:{port}"
    if base_url:
        base = urlsplit(base_url)
        base_host = (base.hostname or "").lower()
        same_host = _bare_host(host) == _bare_host(base_host)
        same_port = port is None or port == _effective_port(base.scheme, base.port)
        if same_host and same_port:
            scheme, netloc = base.scheme, base.netloc.lower()
    return urlunsplit((scheme, netloc, _article_path(parts.path), parts.query, ""))


def strip_tracking(url: str) -> str:
    """``url`` without tracking parameters and fragment, otherwise as given.

    Such variants are endless (every campaign mints new ones) and say nothing about the
    article, so they are not worth keeping as aliases; other addresses (AMP, http, www,
    another section's path) are.
    """
    try:
        names = [name for name, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True)]
    except ValueError:
        return url
    tracking = [name for name in names if _is_tracking(name)]
    if tracking:
        return url_query_cleaner(url, tracking, remove=True, unique=False, keep_fragments=False)
    return urlunsplit(urlsplit(url)._replace(fragment=""))


def article_id_from_url(url: str) -> str | None:
    """The 10-digit article id ending the path (``...-7797504917``), or ``None``."""
    match = _ARTICLE_SLUG.match(_last_segment(url))
    return match.group(1) if match else None


def _segments(url: str) -> list[str]:
    return [s for s in _article_path(urlsplit(url.strip()).path).split("/") if s]


def _last_segment(url: str) -> str:
    segments = _segments(url)
    return segments[-1] if segments else ""


def section_from_url(url: str) -> str | None:
    """The path segment right before the article slug, lowercased.

    ``/actu/international/<slug>-<id>`` gives ``international`` and
    ``/sport/football/<slug>-<id>`` gives ``football``: the most specific section the
    URL names. ``None`` for URLs that are not article URLs.
    """
    if not is_article_url(url):
        return None
    return _segments(url)[-2].lower()


def is_article_url(url: str) -> bool:
    """True for http(s) URLs shaped like ``/<section>[/...]/<slug>-<10-digit id>``.

    The AMP twin counts as the article; comment pages, tag pages, author pages and the
    share counter (``/article/share/<id>``, no slug) do not.
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    if parts.scheme not in _DEFAULT_PORTS or not parts.netloc:
        return False
    segments = _segments(url)
    return len(segments) >= 2 and bool(_ARTICLE_SLUG.match(segments[-1]))


def comments_url(
    article_url: str, base_url: str | None = None, suffix: str = COMMENTS_SUFFIX
) -> str:
    """URL of the first page of an article's comments (canonical URL + ``suffix``, the
    site's comment endpoint: ``/commentaires`` on RTL-style sites)."""
    return canonicalize_url(article_url, base_url) + suffix
