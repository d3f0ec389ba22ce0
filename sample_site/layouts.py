"""The names of the article page layouts the sample site can serve.

``2019`` is the template of the design document (the default), ``2021`` the newer RTL
template built from what is public about it, ``unknown`` a layout no parser was written
for. Only article pages (and the broken article pages) change with the layout; listings,
feeds, sitemaps, AMP twins and comment fragments stay as they are.
"""

from __future__ import annotations

LAYOUT_2019 = "2019"
LAYOUT_2021 = "2021"
LAYOUT_UNKNOWN = "unknown"
LAYOUTS = (LAYOUT_2019, LAYOUT_2021, LAYOUT_UNKNOWN)
DEFAULT_LAYOUT = LAYOUT_2019


def check_layout(layout: str) -> str:
    """``layout`` itself when it is one of ``LAYOUTS``; a ``ValueError`` naming them if not."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown sample site layout {layout!r}; choose one of "
                         + ", ".join(LAYOUTS))
    return layout
