"""Site layouts by site. A site is crawled through its layouts first; a page none of them
recognises is read by the generic layer alone (``crawler.parsing.generic``)."""

from __future__ import annotations

from crawler.parsing.document import Page
from crawler.parsing.layouts import Layout
from crawler.parsing.sites import funradio, rtl

#: Site name -> its layout versions, in the order they are tried.
SITE_LAYOUTS: dict[str, tuple[Layout, ...]] = {"rtl": rtl.LAYOUTS, "funradio": funradio.LAYOUTS}


def choose_layout(page: Page, site: str = "rtl") -> Layout | None:
    """The layout version of ``site`` whose markers the page carries, if any."""
    return next((layout for layout in SITE_LAYOUTS[site] if layout.matches(page)), None)
