from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from scrapy.utils.test import get_crawler

from crawler.items import ArticleItem, RejectedPageItem
from pipelines.validate import ValidatePipeline, validate_article

URL = "https://www.rtl.fr/actu/international/slug-7797504917"
NOW = datetime(2019, 4, 24, 12, 0, tzinfo=UTC)


def good(**changes) -> ArticleItem:
    fields = {
        "url": URL,
        "title": "Titre",
        "body": "Corps",
        "body_blocks": [{"type": "paragraph", "text": "Corps"}],
        "published_at": datetime(2019, 4, 24, 10, 47, tzinfo=UTC),
    }
    fields.update(changes)
    return ArticleItem(**fields)


def test_valid_article_has_no_problem() -> None:
    assert validate_article(good(), now=NOW) == []


@pytest.mark.parametrize(
    ("changes", "codes"),
    [
        ({"url": ""}, ["missing_url"]),
        ({"title": "  "}, ["missing_title"]),
        ({"title": None, "body": None, "body_blocks": []}, ["missing_title", "missing_body"]),
        ({"published_at": None}, ["missing_published_at"]),
        ({"published_at": "pas une date"}, ["missing_published_at"]),
        ({"published_at": datetime(1989, 12, 31, tzinfo=UTC)}, ["implausible_published_at"]),
        ({"published_at": NOW + timedelta(days=2, minutes=1)}, ["implausible_published_at"]),
        ({"published_at": "2019-04-24T10:47:00+02:00"}, []),
        ({"published_at": NOW + timedelta(days=1)}, []),
        ({"body": None}, []),
    ],
)
def test_problem_codes(changes: dict, codes: list[str]) -> None:
    assert validate_article(good(**changes), now=NOW) == codes


def test_pipeline_accepts_and_rejects_with_stats() -> None:
    crawler = get_crawler()
    pipeline = ValidatePipeline.from_crawler(crawler)
    valid = good(published_at=datetime(2019, 4, 24, tzinfo=UTC))
    assert pipeline.process_item(valid) is valid

    result = pipeline.process_item(good(title=None, body=None, body_blocks=[]))
    assert result == RejectedPageItem(
        url=URL,
        reason="missing_title",
        detail="missing_title: no headline found; missing_body: no body text found",
    )
    other = RejectedPageItem(url=URL, reason="http_404")
    assert pipeline.process_item(other) is other

    stats = crawler.stats
    assert stats.get_value("validate/accepted") == 1
    assert stats.get_value("validate/rejected") == 1
    assert stats.get_value("validate/rejected/missing_title") == 1
    assert stats.get_value("validate/rejected/missing_body") is None
