"""Scheduled runs on a changing site: fetch only what changed, store versions and history."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from crawler.incremental import KnownArticle, RejectedPage, plan_fetch
from crawler.parsing.discovery import Link
from sample_site import ARTICLES, ArticleSpec, CommentSpec, SampleServer, serve
from sample_site.model import PARAGRAPH
from tests.crawl_helpers import query, row_counts, scrapy_crawl

#: Runs real crawls (``scrapy crawl`` in a child process) against local servers.
pytestmark = pytest.mark.e2e

PARIS = ZoneInfo("Europe/Paris")
BY_ID = {spec.article_id: spec for spec in ARTICLES}
EDITED, RECENT, WIRE_ORIGINAL = "7796412031", "7797871250", "7798010327"
#: Recent too, and left alone: asked for conditionally, answered 304.
RECENT_UNCHANGED = "7798631200"
NEW_ID, WIRE_COPY_ID = "7799999001", "7799999002"
#: Published under two URLs in two sections.
WIRE_STORY = "7797924455"


def _minute(moment: datetime) -> datetime:
    return moment.astimezone(PARIS).replace(second=0, microsecond=0)


def _recent(spec: ArticleSpec, now: datetime) -> ArticleSpec:
    """The article as if published two days ago: inside the re-check window."""
    return dataclasses.replace(spec, published_at=_minute(now - timedelta(days=2)))


def _with_new_comments(spec: ArticleSpec, now: datetime) -> ArticleSpec:
    new = (
        CommentSpec("40099901", "Nadia R.", _minute(now - timedelta(hours=2)),
                    "Il fait déjà 35 degrés à Lyon ce matin, et ce n'est que le début."),
        CommentSpec("40099902", "Paul V.", _minute(now - timedelta(hours=1)),
                    "Pensez à vérifier que vos voisins âgés vont bien."),
    )  # fmt: skip
    # Newest first, as the fragments serve them.
    return dataclasses.replace(spec, comments=(*reversed(new), *spec.comments))


def _edited(spec: ArticleSpec, now: datetime) -> ArticleSpec:
    blocks = list(spec.body_blocks)
    blocks.append((PARAGRAPH, "Mise à jour : le vote des députés est reporté à mardi."))
    # Dated after the first crawl: the sitemap's lastmod announces the edit.
    return dataclasses.replace(
        spec, body_blocks=tuple(blocks), modified_at=_minute(now + timedelta(minutes=2))
    )


def _new_article(now: datetime) -> ArticleSpec:
    template = BY_ID["7798660130"]
    return dataclasses.replace(
        template,
        article_id=NEW_ID,
        path_parts=("actu", "societe"),
        slug="inondations-dans-le-gard-les-ecoles-fermees-lundi",
        title="Inondations dans le Gard : les écoles fermées lundi",
        lead="La préfecture a placé le département en vigilance rouge après des pluies record.",
        og_title="Inondations dans le Gard",
        og_description="Les écoles resteront fermées lundi.",
        published_at=_minute(now - timedelta(hours=3)),
        modified_at=None,
        body_blocks=(
            (PARAGRAPH, "Plus de 300 millimètres de pluie sont tombés en vingt-quatre heures "
                        "sur les Cévennes, du jamais vu depuis 2002."),
            (PARAGRAPH, "Les transports scolaires sont suspendus et les routes départementales "
                        "du nord du département restent coupées."),
        ),  # fmt: skip
        tags=("Inondations", "Météo"),
        keywords=("Inondations", "Météo"),
        related=(),
        comments=(),
        listing="societe",
        in_sitemap=True,
        twin_path_parts=None,
        twin_slug=None,
        shifted_comment_ids=(),
    )


def _wire_copy(original: ArticleSpec) -> ArticleSpec:
    """The same dispatch under another URL and id, with one sentence changed."""
    blocks = list(original.body_blocks)
    index = next(i for i, (kind, _) in enumerate(blocks) if kind == PARAGRAPH)
    blocks[index] = (PARAGRAPH, blocks[index][1].rstrip(".") + ", selon l'AFP.")
    return dataclasses.replace(
        original,
        article_id=WIRE_COPY_ID,
        path_parts=("actu", "monde"),
        slug="royaume-uni-boris-johnson-nouveau-premier-ministre",
        published_at=original.published_at + timedelta(hours=1),
        modified_at=None,
        body_blocks=tuple(blocks),
        comments=(),
        related=(),
        listing="international",
        twin_path_parts=None,
        twin_slug=None,
        shifted_comment_ids=(),
    )


@pytest.fixture
def site() -> Iterator[SampleServer]:
    with serve() as server:
        yield server



def _article_paths(site: SampleServer) -> set[str]:
    return {r.path for r in site.requests if r.path.rsplit("-", 1)[-1].isdigit()}


def test_second_run_fetches_only_what_changed(site: SampleServer, clean_pg_db_url: str) -> None:
    now = datetime.now(UTC)
    before = [
        _recent(s, now) if s.article_id in (RECENT, RECENT_UNCHANGED) else s for s in ARTICLES
    ]
    site.set_articles(before)
    first = scrapy_crawl(site.base_url, clean_pg_db_url)
    assert first.returncode == 0, first.stderr[-2000:]
    counts = row_counts(clean_pg_db_url)
    assert (counts["articles"], counts["comments"]) == (34, 233)
    untouched = query(
        clean_pg_db_url,
        "SELECT * FROM articles WHERE article_id NOT IN (:a, :b, :c) ORDER BY id",
        a=EDITED, b=RECENT, c=RECENT_UNCHANGED,
    )

    now = datetime.now(UTC)
    after = []
    for spec in before:
        if spec.article_id == EDITED:
            spec = _edited(spec, now)
        elif spec.article_id == RECENT:
            spec = _with_new_comments(spec, now)
        after.append(spec)
    after += [_new_article(now), _wire_copy(BY_ID[WIRE_ORIGINAL])]
    site.set_articles(after)
    site.clear_requests()

    second = scrapy_crawl(site.base_url, clean_pg_db_url)
    assert second.returncode == 0, second.stderr[-2000:]

    # Requests: the changed, recent and new article pages, and nothing else of articles.
    paths = {spec.article_id: spec.path for spec in after}
    assert _article_paths(site) == {
        paths[i] for i in (EDITED, RECENT, RECENT_UNCHANGED, NEW_ID, WIRE_COPY_ID)
    }
    assert site.count(paths[RECENT]) == 1

    # Exactly one new version: the edited article's.
    versions = query(
        clean_pg_db_url,
        "SELECT a.article_id, v.version, v.run_id FROM article_versions v"
        " JOIN articles a ON a.id = v.article_id WHERE v.version > 1",
    )
    assert versions == [(EDITED, 2, 2)]
    # 34 first versions, 2 for the new articles, 1 for the edit.
    assert query(clean_pg_db_url, "SELECT count(*) FROM article_versions")[0][0] == 37
    body = query(clean_pg_db_url, "SELECT body FROM articles WHERE article_id = :i", i=EDITED)
    assert body[0][0].endswith("Mise à jour : le vote des députés est reporté à mardi.")
    old = query(
        clean_pg_db_url,
        "SELECT v.body FROM article_versions v JOIN articles a ON a.id = v.article_id"
        " WHERE a.article_id = :i AND v.version = 1",
        i=EDITED,
    )
    assert "reporté à mardi" not in old[0][0]

    # The new comments, stored by the second run; nothing else new.
    new_comments = query(
        clean_pg_db_url,
        "SELECT c.comment_id, a.article_id FROM comments c JOIN articles a"
        " ON a.id = c.article_id WHERE c.first_run_id = 2 ORDER BY c.comment_id",
    )
    assert new_comments == [("40099901", RECENT), ("40099902", RECENT)]
    assert row_counts(clean_pg_db_url)["comments"] == 235

    # One new article, and the wire copy linked to its original (both URLs kept).
    articles = dict(
        query(
            clean_pg_db_url,
            "SELECT a.article_id, o.article_id FROM articles a"
            " LEFT JOIN articles o ON o.id = a.duplicate_of WHERE a.first_run_id = 2",
        )
    )
    assert articles == {NEW_ID: None, WIRE_COPY_ID: WIRE_ORIGINAL}
    assert row_counts(clean_pg_db_url)["articles"] == 36
    assert query(
        clean_pg_db_url, "SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL"
    )[0][0] == 1

    # Articles that did not change: not a single column, last_seen_at included.
    assert query(
        clean_pg_db_url,
        "SELECT * FROM articles WHERE article_id NOT IN (:a, :b, :c) AND first_run_id = 1"
        " ORDER BY id",
        a=EDITED, b=RECENT, c=RECENT_UNCHANGED,
    ) == untouched

    # Run history.
    runs = query(
        clean_pg_db_url,
        "SELECT id, status, articles_new, articles_updated, articles_unchanged, comments_new,"
        " pages_rejected FROM crawl_runs ORDER BY id",
    )
    assert runs == [(1, "finished", 34, 0, 1, 233, 5), (2, "finished", 2, 1, 2, 2, 0)]

    # A third run on an unchanged site: only the recent articles (the new one is recent
    # too) are asked for, with their validators; they answer 304 and nothing is written
    # but "last seen".
    dump = query(clean_pg_db_url, "SELECT * FROM articles ORDER BY id")
    versions_before = query(clean_pg_db_url, "SELECT count(*) FROM article_versions")
    comments_before = query(clean_pg_db_url, "SELECT * FROM comments ORDER BY id")
    site.clear_requests()

    third = scrapy_crawl(site.base_url, clean_pg_db_url)
    assert third.returncode == 0, third.stderr[-2000:]

    assert _article_paths(site) == {paths[RECENT], paths[RECENT_UNCHANGED], paths[NEW_ID]}
    assert {r.status for r in site.requests if r.path in _article_paths(site)} == {304}
    assert query(
        clean_pg_db_url,
        "SELECT articles_new, articles_updated, articles_unchanged, comments_new,"
        " stats->>'incremental/not_modified', responses_by_status->>'304'"
        " FROM crawl_runs WHERE id = 3",
    ) == [(0, 0, 3, 0, "3", "3")]
    assert query(clean_pg_db_url, "SELECT count(*) FROM article_versions") == versions_before
    last_seen = dump[0]._fields.index("last_seen_at")

    def without_last_seen(rows: list[sa.Row]) -> list[tuple]:
        return [row[:last_seen] + row[last_seen + 1 :] for row in rows]

    after_third = query(clean_pg_db_url, "SELECT * FROM articles ORDER BY id")
    assert without_last_seen(after_third) == without_last_seen(dump)
    comments_after = query(clean_pg_db_url, "SELECT * FROM comments ORDER BY id")
    comment_last_seen = comments_after[0]._fields.index("last_seen_at")
    assert [r[:comment_last_seen] for r in comments_after] == [
        r[:comment_last_seen] for r in comments_before
    ]


def test_a_stored_article_found_under_a_new_url_gets_the_url_as_alias(
    site: SampleServer, clean_pg_db_url: str
) -> None:
    # The wire story is stored from its first URL before a run discovers its second one:
    # the second URL is read once and recorded, and not read again by later runs.
    wire = BY_ID[WIRE_STORY]
    first_url = site.base_url + wire.path
    single = scrapy_crawl(site.base_url, clean_pg_db_url, f"url={first_url}")
    assert single.returncode == 0, single.stderr[-2000:]
    alias_sql = (
        "SELECT u.url FROM article_urls u JOIN articles a ON a.id = u.article_id"
        " WHERE a.article_id = :id ORDER BY u.url"
    )
    twin_url = site.base_url + wire.twin_path
    before = [r.url for r in query(clean_pg_db_url, alias_sql, id=WIRE_STORY)]
    assert before == [first_url, first_url + "/amp"]

    for run in (1, 2):
        site.clear_requests()
        result = scrapy_crawl(site.base_url, clean_pg_db_url)
        assert result.returncode == 0, result.stderr[-2000:]
        asked = [r.path for r in site.requests]
        assert asked.count(wire.twin_path) == (1 if run == 1 else 0)
        assert wire.path not in asked

    after = [r.url for r in query(clean_pg_db_url, alias_sql, id=WIRE_STORY)]
    assert after == sorted([*before, twin_url, twin_url + "/amp"])
    assert row_counts(clean_pg_db_url)["articles"] == 34


def test_plan_fetch_rules() -> None:
    now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    window = timedelta(days=7)
    old = KnownArticle("rtl:1", published_at=now - timedelta(days=30),
                       last_seen_at=now - timedelta(days=1), etag='"abc"')  # fmt: skip
    recent = dataclasses.replace(old, published_at=now - timedelta(days=2))

    assert plan_fetch(Link("u"), None, now, window).reason == "new"
    assert plan_fetch(Link("u"), old, now, window) is None
    assert plan_fetch(Link("u", lastmod=now - timedelta(days=2)), old, now, window) is None
    # The page's own update time: a lastmod ahead of our clock is not news twice.
    ahead = dataclasses.replace(old, modified_at=now + timedelta(minutes=5))
    assert plan_fetch(Link("u", lastmod=now + timedelta(minutes=5)), ahead, now, window) is None
    changed = plan_fetch(Link("u", lastmod=now - timedelta(hours=1)), old, now, window)
    assert (changed.reason, changed.headers) == ("announced_change", {"If-None-Match": '"abc"'})
    assert plan_fetch(Link("u"), recent, now, window).reason == "recheck"
    # Stored, but not under this URL: fetched once (conditionally) to record the alias.
    elsewhere = plan_fetch(Link("u"), old, now, window, url_known=False)
    assert (elsewhere.reason, elsewhere.headers) == ("new_url", {"If-None-Match": '"abc"'})

    refused = RejectedPage("u", rejected_at=now - timedelta(hours=2))
    assert plan_fetch(Link("u"), None, now, window, refused) is None
    assert plan_fetch(Link("u", lastmod=now - timedelta(hours=1)), None, now, window,
                      refused).reason == "retry_rejected"  # fmt: skip
    stale = RejectedPage("u", rejected_at=now - timedelta(days=2))
    assert plan_fetch(Link("u"), None, now, window, stale).reason == "retry_rejected"
    # A timeout or a 503 says nothing about the page: asked for again at once.
    timed_out = RejectedPage("u", rejected_at=now - timedelta(minutes=5), reason="timeout")
    assert plan_fetch(Link("u"), None, now, window, timed_out).reason == "retry_rejected"

