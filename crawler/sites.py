"""Sites as data: what the crawler needs to know of each news site it reads.

A site of the RTL platform is one :class:`Site`: its name (the spider's name, the prefix
of its article identities, the prefix of its settings), its root URL, the sections and
feeds a full crawl walks, its comment endpoint, and its layout versions
(``crawler.parsing.sites``). The URL shapes (``/<section>/<slug>-<10-digit id>``) and the
comment fragments are the platform's, shared by its sites (``crawler.parsing.urls``,
``crawler.parsing.comments``). One spider class per site is made from these definitions
(``crawler.spiders.sites``), so adding a site is adding an entry here, its layouts and its
fixtures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from crawler.parsing.urls import COMMENTS_SUFFIX


@dataclass(frozen=True)
class Site:
    """One news site of the platform."""

    #: Spider name, identity prefix (``rtl:<id>``) and settings prefix (``RTL_BASE_URL``).
    name: str
    #: Root URL; ``<NAME>_BASE_URL`` overrides it (the tests point it at 127.0.0.1).
    base_url: str
    #: Section listings a full crawl walks (``/actu/<section>``); ``<NAME>_SECTIONS``.
    sections: tuple[str, ...]
    #: Feeds read on a full crawl, relative to the root; ``<NAME>_FEED_PATHS``.
    feed_paths: tuple[str, ...]
    #: Appended to an article's canonical URL for its first comment page; the next pages
    #: are linked from each page (``?page=N``).
    comments_suffix: str = COMMENTS_SUFFIX

    def setting(self, settings: Mapping[str, Any], key: str) -> Any:
        """The ``<NAME>_<KEY>`` setting, or ``None`` when not set."""
        return settings.get(f"{self.name.upper()}_{key}")

    def identity(self, article_id: str | None, canonical_url: str | None) -> str | None:
        """The key one article is stored under: ``<site>:<article id>``, else its canonical
        URL (an article without an id is known by its address)."""
        if article_id:
            return f"{self.name}:{article_id}"
        return canonical_url


RTL = Site(
    name="rtl",
    base_url="https://www.rtl.fr",
    sections=("international", "politique", "societe", "economie", "sport", "culture"),
    feed_paths=("/flux/une.rss",),
)
FUN_RADIO = Site(
    name="funradio",
    base_url="https://www.funradio.fr",
    sections=("musique", "people", "societe", "sport"),
    feed_paths=("/flux/une.rss",),
)

#: Every site the crawler knows, by name.
SITES: dict[str, Site] = {site.name: site for site in (RTL, FUN_RADIO)}


def site_named(name: str | None) -> Site:
    """The site of that name (``rtl`` when none is given); a clear error otherwise."""
    try:
        return SITES[name or RTL.name]
    except KeyError:
        raise ValueError(f"unknown site {name!r}; known: {', '.join(sorted(SITES))}") from None
