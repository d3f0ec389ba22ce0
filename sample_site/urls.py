"""Where each page of the sample site lives, as absolute URLs on a given base URL."""

from __future__ import annotations

from sample_site.layouts import DEFAULT_LAYOUT, LAYOUT_2021
from sample_site.model import ArticleSpec, BrokenPage

COMMENTS_SUFFIX = "/commentaires"


def article_url(spec: ArticleSpec | BrokenPage, base_url: str) -> str:
    """The article's canonical URL on the site (no tracking, no ``/amp``)."""
    return base_url.rstrip("/") + spec.path


def amp_url(spec: ArticleSpec, base_url: str) -> str:
    return article_url(spec, base_url) + "/amp"


def comments_url(article: str, page: int = 1) -> str:
    """Comment fragment URL of an article URL (``?page=N`` from the second page on)."""
    url = article + COMMENTS_SUFFIX
    return url if page == 1 else f"{url}?page={page}"


def listing_path(section: str, page: int = 1) -> str:
    path = f"/actu/{section}"
    return path if page == 1 else f"{path}?page={page}"


#: Full-size and in-page sizes of the 2021 image service (``/~c/<W>v<H>/``).
IMAGE_2021_FULL = (2000, 1333)
IMAGE_2021_PAGE = (770, 513)


def image_url(spec: ArticleSpec, base_url: str, layout: str = DEFAULT_LAYOUT) -> str | None:
    """Full-size image (``og:image``); the page's ``<img>`` shows a resized cache copy.

    The 2021 layout serves images from RTL's image host, as the real site does; those URLs
    are only written into pages, never fetched.
    """
    if spec.image is None:
        return None
    if layout == LAYOUT_2021:
        return image_2021_url(spec, *IMAGE_2021_FULL)
    return base_url.rstrip("/") + spec.image.path


def image_2021_url(spec: ArticleSpec, width: int, height: int) -> str:
    """``https://images.rtl.fr/~c/<W>v<H>/rtl/www/<n>-<slug>.jpg``; ``<n>`` is the
    article id's last seven digits (the real numbers are of that size), ``<slug>`` names
    the picture (its caption's first words), so a wire story shows the same image URL
    under each of its addresses."""
    from sample_site.articles import slugify

    assert spec.image is not None
    words = slugify(spec.image.caption).split("-")[:8]
    return (f"https://images.rtl.fr/~c/{width}v{height}/rtl/www/"
            f"{spec.article_id[-7:]}-{'-'.join(words)}.jpg")


def resized_image_url(spec: ArticleSpec, base_url: str) -> str | None:
    if spec.image is None:
        return None
    return f"{base_url.rstrip('/')}/cache/image/640x360/{spec.article_id}-{spec.slug}.jpg"


def tag_path(tag: str) -> str:
    from sample_site.articles import slugify

    return f"/sujet/{slugify(tag)}"


def author_path(name: str) -> str:
    from sample_site.articles import slugify

    return f"/auteur/{slugify(name)}"
