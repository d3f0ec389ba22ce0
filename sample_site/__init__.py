"""A deterministic RTL-style news site served on 127.0.0.1 for the demo and the tests.

See ``sample_site/README.md`` for the URL map and the special cases.
"""

from sample_site.articles import ARTICLES, BROKEN_PAGES, PRIVATE_PATH
from sample_site.expected import expected_article, expected_comments, expected_totals
from sample_site.layouts import DEFAULT_LAYOUT, LAYOUTS
from sample_site.model import ArticleSpec, BrokenPage, CommentSpec, ImageSpec
from sample_site.server import RequestRecord, SampleServer, serve
from sample_site.site import Page, Site, build_site
from sample_site.urls import amp_url, article_url, comments_url

__all__ = [
    "ARTICLES",
    "BROKEN_PAGES",
    "DEFAULT_LAYOUT",
    "LAYOUTS",
    "PRIVATE_PATH",
    "ArticleSpec",
    "BrokenPage",
    "CommentSpec",
    "ImageSpec",
    "Page",
    "RequestRecord",
    "SampleServer",
    "Site",
    "amp_url",
    "article_url",
    "build_site",
    "comments_url",
    "expected_article",
    "expected_comments",
    "expected_totals",
    "serve",
]
