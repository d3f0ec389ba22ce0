"""Wire copies found across writes through the database, on the labeled pairs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from crawler.items import ArticleItem
from pipelines.storage import Storage

PAIRS = json.loads((Path(__file__).parent / "fixtures" / "neardup_pairs.json").read_text())
START = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


def _key(text: dict[str, str]) -> tuple[str, str, str]:
    return text["title"], text["lead"], text["body"]


def _items(
    texts: list[tuple[str, str, str]], prefix: str, published: datetime
) -> list[ArticleItem]:
    items = []
    for number, (title, lead, body) in enumerate(texts):
        article_id = f"{prefix}{number:05d}"
        url = f"https://www.rtl.fr/actu/monde/article-{article_id}"
        items.append(ArticleItem(url=url, canonical_url=url, article_id=article_id, title=title,
                                 lead=lead, body=body, published_at=published))  # fmt: skip
    return items


def test_labeled_pairs_are_linked_by_storage_on_one_busy_day(pg_storage: Storage) -> None:
    # Every article is published the same day, so each is a candidate for every other one.
    # Texts appear in several pairs; each distinct text is stored once.
    originals = list(dict.fromkeys(_key(pair["a"]) for pair in PAIRS))
    seconds = [k for k in dict.fromkeys(_key(pair["b"]) for pair in PAIRS) if k not in originals]
    first = _items(originals, "77100", START)
    later = _items(seconds, "77200", START + timedelta(hours=1))
    pg_storage.write_articles(first)  # an earlier run
    result = pg_storage.write_articles(later)

    text_of = {item.article_id: _key(vars(item)) for item in [*first, *later]}
    with pg_storage.engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT c.article_id, o.article_id FROM articles c"
                " JOIN articles o ON o.id = c.duplicate_of"
            )
        ).all()
    links = {text_of[copy]: text_of[original] for copy, original in rows}
    copies = {(_key(p["b"]), _key(p["a"])) for p in PAIRS if p["label"] == "copy"}

    true_positives = sum(1 for b, a in copies if links.get(b) == a)
    false_negatives = len(copies) - true_positives
    false_positives = sum(1 for b, a in links.items() if (b, a) not in copies)
    precision = true_positives / (true_positives + false_positives)
    recall = true_positives / (true_positives + false_negatives)
    assert len(PAIRS) >= 40 and len(copies) >= 20
    assert precision == 1.0, (true_positives, false_positives)
    assert recall >= 0.95, (true_positives, false_negatives)
    # Some labeled originals are copies of one another: linked by the first write.
    assert result.near_duplicates == sum(1 for text in links if text in seconds)


def test_near_repeat_comments_are_flagged_across_writes(pg_storage: Storage) -> None:
    url = "https://www.rtl.fr/actu/politique/debat-7790000100"
    posted = START + timedelta(hours=2)

    def article(*comments: dict) -> ArticleItem:
        return ArticleItem(url=url, canonical_url=url, article_id="7790000100", title="Débat",
                           body="Texte.", published_at=START, comments=list(comments))  # fmt: skip

    first = {"comment_id": "c1", "author": "Marc T.", "posted_at": posted,
             "text": "Encore une réforme décidée sans consulter personne, comme d'habitude."}
    pg_storage.write_articles([article(first)])
    again = {"comment_id": "c2", "author": "Marc T.", "posted_at": posted + timedelta(hours=1),
             "text": "Encore une réforme décidée sans consulter personne , comme d’habitude !!"}
    other_author = {**again, "comment_id": "c3", "author": "Julie P."}
    short = {"comment_id": "c4", "author": "Marc T.", "posted_at": posted, "text": "Bravo"}
    result = pg_storage.write_articles([article(first, again, other_author, short)])

    with pg_storage.engine.connect() as conn:
        flags = conn.execute(
            sa.text("SELECT comment_id, duplicate_of, duplicate_kind FROM comments ORDER BY 1")
        ).all()
    assert flags == [
        ("c1", None, None), ("c2", "c1", "near"), ("c3", None, None), ("c4", None, None),
    ]  # fmt: skip
    assert result.comments_near_repeats == 1
