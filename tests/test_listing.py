"""Listing cards: the article link and its publication date, machine-readable first."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from scrapy.http import HtmlResponse

from crawler.parsing.discovery import parse_listing

pytestmark = pytest.mark.unit

PARIS_SUMMER = timezone(timedelta(hours=2))


def test_a_card_date_is_read_from_its_datetime_then_from_its_text() -> None:
    body = """<html><body>
      <div class="post-preview"><h2 class="post-title"><a href="/actu/politique/a-1">A</a></h2>
        <time datetime="2019-04-24T11:02:00+02:00">le 24/04/2019 à 11h02</time></div>
      <div class="post-preview"><h2 class="post-title"><a href="/actu/politique/b-2">B</a></h2>
        <span class="post-date">le 23 avril 2019 à 9h15</span></div>
      <div class="post-preview"><h2 class="post-title"><a href="/actu/politique/c-3">C</a></h2>
        <time datetime=""></time><span class="post-date">le 22/04/2019</span></div>
      <a class="pagination-next" href="/actu/politique?page=2">Suivant</a>
    </body></html>"""
    response = HtmlResponse("https://www.rtl.fr/actu/politique", body=body.encode(),
                            headers={"Content-Type": "text/html; charset=utf-8"})  # fmt: skip
    links, next_url = parse_listing(response)
    assert [link.url for link in links] == [
        "https://www.rtl.fr/actu/politique/a-1",
        "https://www.rtl.fr/actu/politique/b-2",
        "https://www.rtl.fr/actu/politique/c-3",
    ]
    assert links[0].published_at == datetime(2019, 4, 24, 11, 2, tzinfo=PARIS_SUMMER)
    assert links[1].published_at == datetime(2019, 4, 23, 9, 15, tzinfo=PARIS_SUMMER)
    # An empty datetime falls back to the visible text.
    assert links[2].published_at is not None
    assert links[2].published_at.date().isoformat() == "2019-04-22"
    assert next_url == "https://www.rtl.fr/actu/politique?page=2"
