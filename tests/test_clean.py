from __future__ import annotations

from datetime import datetime, timedelta, timezone

from scrapy.utils.test import get_crawler

from crawler.items import ArticleItem, RejectedPageItem
from pipelines.clean import CleanPipeline, clean_article, clean_comments

PARIS_SUMMER = timezone(timedelta(hours=2))
URL = "https://www.rtl.fr/actu/international/slug-7797504917"


def article(**fields) -> ArticleItem:
    return ArticleItem(url=URL, **fields)


def test_text_fields_are_collapsed_and_nfc() -> None:
    decomposed = "Re\u0301e\u0301quilibrage"  # e + combining acute accent
    item = clean_article(article(title=f"  {decomposed}\n\t du\u00a0Nord\x00 ", lead=" a \n b "))
    assert item.title == "Rééquilibrage du Nord"
    assert item.title == "R\u00e9\u00e9quilibrage du Nord"
    assert item.lead == "a b"


def test_cleaning_never_decodes_entities() -> None:
    # What the parser hands over is text already (it decodes JSON-LD and head values
    # where it reads them); decoding again would turn a displayed "&#039;" into "'".
    item = clean_article(
        article(
            title="L&#039;info &amp; le reste",
            keywords=["Corée&nbsp;du Nord"],
            extraction={"title": "json_ld", "keywords": "meta"},
        )
    )
    assert item.title == "L&#039;info &amp; le reste"
    assert item.keywords == ["Corée&nbsp;du Nord"]


def test_body_rebuilt_from_blocks_without_ui_strings() -> None:
    item = clean_article(
        article(
            body="stale",
            body_blocks=[
                {"type": "paragraph", "text": " Premier   paragraphe\n "},
                {"type": "paragraph", "text": "À lire aussi"},
                {"type": "heading", "text": " Inter\ntitre "},
                {"type": "paragraph", "text": "Ligne 1\nLire la suite\nLigne 2"},
                {"type": "paragraph", "text": "   "},
                {"type": "quote", "text": "Citation"},
            ],
            extraction={"body": "site:rtl/v2019", "body_blocks": "site:rtl/v2019"},
        )
    )
    assert item.body_blocks == [
        {"type": "paragraph", "text": "Premier paragraphe"},
        {"type": "heading", "text": "Inter titre"},
        {"type": "paragraph", "text": "Ligne 1\nLigne 2"},
        {"type": "paragraph", "text": "Citation"},
    ]
    assert item.body == "Premier paragraphe\n\nInter titre\n\nLigne 1\nLigne 2\n\nCitation"


def test_dates_become_aware_datetimes() -> None:
    item = clean_article(
        article(published_at="publié le 24/04/2019 à 10:47", modified_at="2019-04-24T11:02:00")
    )
    assert item.published_at == datetime(2019, 4, 24, 10, 47, tzinfo=PARIS_SUMMER)
    assert item.modified_at == datetime(2019, 4, 24, 11, 2, tzinfo=PARIS_SUMMER)
    assert item.published_at.utcoffset() == timedelta(hours=2)


def test_modified_equal_to_published_means_never_updated() -> None:
    item = clean_article(
        article(
            published_at="2019-04-24T10:47:00+02:00",
            modified_at="2019-04-24T08:47:00Z",
            extraction={"published_at": "json_ld", "modified_at": "json_ld"},
        )
    )
    assert item.modified_at is None
    assert item.extraction == {"published_at": "json_ld"}


def test_lists_deduped_in_order() -> None:
    item = clean_article(
        article(
            authors=["Leia Hoarau", " Leia  Hoarau ", ""],
            tags=["Rencontre", "rencontre", "Corée du Nord"],
            related_urls=["https://a/1", "https://a/2", "https://a/1"],
            aliases=[URL, URL, URL + "/amp"],
        )
    )
    assert item.authors == ["Leia Hoarau"]
    assert item.tags == ["Rencontre", "Corée du Nord"]
    assert item.related_urls == ["https://a/1", "https://a/2"]
    assert item.aliases == [URL, URL + "/amp"]


def test_image_and_small_fields() -> None:
    item = clean_article(
        article(
            image={"url": " https://cdn/x.jpg ", "caption": " Légende ", "credit": "Crédit : AFP"},
            reading_time_minutes="2",
            language="fr-FR",
        )
    )
    assert item.image == {"url": "https://cdn/x.jpg", "caption": "Légende", "credit": "AFP"}
    assert item.reading_time_minutes == 2
    assert item.language == "fr"
    assert clean_article(article(image={"url": "  ", "caption": "x"})).image is None
    assert clean_article(article(reading_time_minutes="deux")).reading_time_minutes is None


def test_comments_text_is_stored_as_displayed() -> None:
    comments = clean_comments(
        [
            {"comment_id": "1", "parent_id": None, "author": " Jean ", "posted_at":
             "le 24/04/2019 à 11h02", "text": "<script>alert(1)</script>  &lt;b&gt;\n\n\n\nfin"},
            {"comment_id": "2", "parent_id": "1", "author": "", "posted_at": "n'importe quoi",
             "text": "Robert'); DROP TABLE comments;--\nSignaler un abus"},
        ]
    )
    assert comments == [
        {"comment_id": "1", "parent_id": None, "author": "Jean",
         "posted_at": datetime(2019, 4, 24, 11, 2, tzinfo=PARIS_SUMMER),
         "text": "<script>alert(1)</script> &lt;b&gt;\n\nfin"},
        {"comment_id": "2", "parent_id": "1", "author": None, "posted_at": None,
         "text": "Robert'); DROP TABLE comments;--"},
    ]


def test_empty_comments_dropped_and_replies_reattached() -> None:
    comments = clean_comments(
        [
            {"comment_id": "1", "parent_id": None, "author": "A", "posted_at": None, "text": "x"},
            {"comment_id": "2", "parent_id": "1", "author": "B", "posted_at": None, "text": " "},
            {"comment_id": "3", "parent_id": "2", "author": "C", "posted_at": None, "text": "y"},
            {"comment_id": "1", "parent_id": None, "author": "A", "posted_at": None, "text": "z"},
            {"comment_id": "4", "parent_id": None, "author": "D", "posted_at": None,
             "text": "Répondre\n2 réponses", "duplicate_of": "9"},
        ]
    )
    assert [(c["comment_id"], c["parent_id"], c["text"]) for c in comments] == [
        ("1", None, "x"), ("3", "1", "y")]


def test_clean_is_idempotent() -> None:
    item = article(
        title="T", published_at="2019-04-24T10:47:00+02:00",
        body_blocks=[{"type": "paragraph", "text": "a\nb"}],
        comments=[{"comment_id": "1", "parent_id": None, "author": None,
                   "posted_at": "2019-04-24T11:02:00+02:00", "text": "c\n\nd"}],
        extraction={"title": "site:rtl/v2019"},
    )
    once = clean_article(item)
    assert clean_article(once) == once


def test_pipeline_cleans_articles_and_passes_other_items() -> None:
    crawler = get_crawler()
    pipeline = CleanPipeline.from_crawler(crawler)
    rejected = RejectedPageItem(url=URL, reason="http_404")
    assert pipeline.process_item(rejected) is rejected
    other = {"url": URL}
    assert pipeline.process_item(other) is other
    cleaned = pipeline.process_item(
        article(title=" T ", comments=[{"comment_id": "1", "text": ""}])
    )
    assert cleaned.title == "T" and cleaned.comments == []
    assert crawler.stats.get_value("clean/comments_dropped") == 1
