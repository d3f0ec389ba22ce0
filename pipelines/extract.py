"""Print one article as the pipelines would store it, from a saved page or a URL.

    python -m pipelines.extract PAGE.html --url https://www.rtl.fr/actu/... \\
        --comments page1.html page2.html

Steps: parse the page (or reject it: soft 404, bot challenge, listing page, see
``crawler.parsing.page``), attach the comments of the given fragment files in order (one
entry per comment id, first occurrence wins), clean, validate. A valid article is printed
as JSON (exit status 0); an invalid one as ``{"rejected": {...}}`` (exit status 1).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import urllib.request
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from scrapy.http import HtmlResponse

from crawler import settings
from crawler.items import ArticleItem, RejectedPageItem
from crawler.parsing.article import Mode
from crawler.parsing.comments import merge_comments, parse_comments
from crawler.parsing.page import parse_page
from crawler.parsing.urls import comments_url
from crawler.sites import SITES, site_named
from pipelines.clean import clean_article
from pipelines.validate import describe, validate_article

FETCH_TIMEOUT = 30


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _jsonable(v) for key, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


#: Set from the HTTP exchange of a crawl (validators, 304), not from the page itself.
FETCH_STATE_FIELDS = frozenset({"etag", "http_last_modified", "not_modified"})


def article_to_json(item: ArticleItem | RejectedPageItem) -> dict[str, Any]:
    """The item as a JSON-able dict: fields in ``items.py`` order, datetimes as ISO 8601.

    Fetch state (``FETCH_STATE_FIELDS``) is left out: a saved page has none.
    """
    return {
        f.name: _jsonable(getattr(item, f.name))
        for f in dataclasses.fields(item)
        if f.name not in FETCH_STATE_FIELDS
    }


def extract_article(
    body: bytes,
    url: str,
    comment_pages: Sequence[bytes] = (),
    base_url: str | None = settings.RTL_BASE_URL,
    *,
    headers: Mapping[str, str] | None = None,
    mode: Mode = "full",
    site: str = "rtl",
) -> ArticleItem | RejectedPageItem:
    """Parse, attach comments, clean and validate one page, as a crawl would.

    ``headers`` are the HTTP response headers of the page and of its comment pages (the
    ``Content-Type`` charset decides the decoding, as in a crawl). ``mode`` chooses the
    parser layers and ``site`` the site definition (``crawler.sites``) whose layouts and
    rules apply (``crawler.parsing.article.parse_article``).
    """
    definition = site_named(site)
    response = HtmlResponse(url=url, body=body, headers=headers)
    item = parse_page(response, base_url=base_url, mode=mode, site=definition.name)
    if isinstance(item, RejectedPageItem):
        return item
    first_page = comments_url(item.canonical_url or url, base_url, definition.comments_suffix)
    pages = [
        parse_comments(HtmlResponse(url=first_page, body=page, headers=headers)).comments
        for page in comment_pages
    ]
    item.comments = merge_comments([item.comments, *pages])
    item = clean_article(item)
    problems = validate_article(item)
    if problems:
        return RejectedPageItem(url=item.url, reason=problems[0], detail=describe(problems))
    return item


def _read_source(source: str, url: str | None) -> tuple[bytes, str]:
    if source.startswith(("http://", "https://")):
        request = urllib.request.Request(source, headers={"User-Agent": settings.USER_AGENT})
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as answer:
            return answer.read(), url or answer.geturl()
    path = Path(source)
    return path.read_bytes(), url or path.resolve().as_uri()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.extract", description=__doc__.splitlines()[0]
    )
    parser.add_argument("source", metavar="PATH_OR_URL", help="saved page, or http(s) URL")
    parser.add_argument("--url", help="URL the saved page was fetched from")
    parser.add_argument(
        "--comments", nargs="+", default=[], action="extend", metavar="FILE",
        help="comment fragment files, first page first",
    )
    parser.add_argument(
        "--site", default="rtl", choices=sorted(SITES),
        help="site definition whose layouts and rules apply (default rtl)",
    )
    parser.add_argument(
        "--base-url",
        help="site root that canonical URLs use (default: the site's, e.g. "
        f"{settings.RTL_BASE_URL})",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        body, url = _read_source(args.source, args.url)
        comment_pages = [Path(name).read_bytes() for name in args.comments]
    except OSError as exc:
        parser.error(str(exc))
    base_url = args.base_url or site_named(args.site).base_url
    result = extract_article(body, url, comment_pages, base_url=base_url, site=args.site)
    if isinstance(result, RejectedPageItem):
        output: dict[str, Any] = {
            "rejected": {"url": result.url, "reason": result.reason, "detail": result.detail}
        }
    else:
        output = article_to_json(result)
    if hasattr(sys.stdout, "reconfigure"):
        # The output is French text; do not let a C locale turn it into errors.
        sys.stdout.reconfigure(encoding="utf-8")
    print(json.dumps(output, ensure_ascii=False, indent=2))
    return 1 if isinstance(result, RejectedPageItem) else 0


if __name__ == "__main__":
    sys.exit(main())
