"""French full-text search: stemming, accents, ranking, filters and snippets, on real
PostgreSQL and on SQLite, through articles written by the storage layer."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from crawler.items import ArticleItem
from pipelines.storage import Storage
from schemas import migrate
from schemas.search import EmptyQueryError, SearchHit, search
from tests.crawl_helpers import ROOT

PARIS = timezone(timedelta(hours=1))
AT = datetime(2019, 12, 20, 12, 0, tzinfo=PARIS)


def article(
    number: int,
    section: str,
    published: datetime,
    title: str,
    lead: str | None,
    body: str,
    comments: list[dict] | None = None,
) -> ArticleItem:
    url = f"https://www.rtl.fr/actu/{section}/article-{number}-77000000{number:02d}"
    return ArticleItem(
        url=url,
        canonical_url=url,
        article_id=f"77000000{number:02d}",
        section=section,
        title=title,
        lead=lead,
        published_at=published,
        body=body,
        body_blocks=[{"type": "paragraph", "text": body}],
        language="fr",
        comments=comments or [],
    )


def comment(comment_id: str, author: str, posted: datetime, text: str) -> dict:
    return {"comment_id": comment_id, "parent_id": None, "author": author,
            "posted_at": posted, "text": text}  # fmt: skip


def corpus() -> list[ArticleItem]:
    return [
        article(
            1, "politique", datetime(2019, 12, 5, 8, 0, tzinfo=PARIS),
            "La réforme des retraites présentée au Conseil des ministres",
            "Le gouvernement détaille son projet.",
            "Le Premier ministre a présenté le texte mercredi. Les syndicats appellent à "
            "la grève.",
            comments=[
                comment("c1", "Jean D.", datetime(2019, 12, 5, 9, 0, tzinfo=PARIS),
                        "Cette réforme est injuste pour les retraités"),
                comment("c2", "Marie", datetime(2019, 12, 6, 9, 0, tzinfo=PARIS),
                        "Je fais confiance à l'Etat"),
            ],
        ),
        article(
            2, "economie", datetime(2019, 11, 20, 7, 30, tzinfo=PARIS),
            "Budget : les comptes de l'État",
            "Bercy publie ses chiffres.",
            "Le déficit se creuse encore. Une réforme fiscale est évoquée pour 2020.",
            comments=[
                comment("c3", "Paul", datetime(2019, 11, 21, 10, 0, tzinfo=PARIS),
                        "Les retraites ne sont pas le sujet ici"),
            ],
        ),
        article(
            3, "politique", datetime(2019, 12, 10, 18, 0, tzinfo=PARIS),
            "Grève du 10 décembre : les cortèges",
            "Les réformes annoncées mobilisent.",
            "Cortèges dans toute la France.",
        ),
        article(
            4, "sport", datetime(2019, 10, 1, 21, 0, tzinfo=PARIS),
            "Le PSG l'emporte", None, "Victoire au Parc des Princes.",
        ),
    ]  # fmt: skip


@pytest.fixture
def archive(storage: Storage) -> Iterator[sa.Engine]:
    result = storage.write_articles(corpus(), now=AT)
    assert (result.articles_new, result.comments_new) == (4, 3)
    yield storage.engine


def find(engine: sa.Engine, query: str, **options) -> list[SearchHit]:
    with engine.connect() as conn:
        return search(conn, query, **options)


def titles(hits: list[SearchHit]) -> list[str]:
    return [hit.title for hit in hits]


TITLE_1 = "La réforme des retraites présentée au Conseil des ministres"
TITLE_2 = "Budget : les comptes de l'État"
TITLE_3 = "Grève du 10 décembre : les cortèges"


def test_stemming_finds_the_singular_from_the_plural(archive: sa.Engine) -> None:
    # "réformes" finds "réforme" in a title and in a body, and "réformes" in a lead.
    hits = find(archive, "réformes")
    assert set(titles(hits)) == {TITLE_1, TITLE_2, TITLE_3}


def test_title_ranks_above_lead_above_body(archive: sa.Engine) -> None:
    hits = find(archive, "réforme")
    # Article 1 has it in its title, 3 in its lead, 2 in its body.
    assert titles(hits) == [TITLE_1, TITLE_3, TITLE_2]
    assert hits[0].rank > hits[1].rank > hits[2].rank > 0


@pytest.mark.parametrize("query", ["etat", "ETAT", "État", "l'état"])
def test_accents_and_case_are_ignored(archive: sa.Engine, query: str) -> None:
    assert titles(find(archive, query)) == [TITLE_2]


def test_words_are_all_required_and_stop_words_ignored(archive: sa.Engine) -> None:
    assert titles(find(archive, "réforme des retraites")) == [TITLE_1]
    # 3: title and lead; 1: title and body.
    assert titles(find(archive, "réforme grève")) == [TITLE_3, TITLE_1]
    assert find(archive, "réforme football") == []


def test_phrase_or_and_exclusion(archive: sa.Engine) -> None:
    assert titles(find(archive, '"réforme fiscale"')) == [TITLE_2]
    assert set(titles(find(archive, "PSG or budget"))) == {TITLE_2, "Le PSG l'emporte"}
    assert titles(find(archive, "réforme -grève")) == [TITLE_2]


def test_filters_by_date_and_section(archive: sa.Engine) -> None:
    assert titles(find(archive, "réforme", section="politique")) == [TITLE_1, TITLE_3]
    since = datetime(2019, 12, 6, tzinfo=PARIS)
    assert titles(find(archive, "réforme", since=since)) == [TITLE_3]
    assert find(archive, "réforme", since=since, section="economie") == []
    assert len(find(archive, "réforme", limit=2)) == 2


def test_hit_fields_and_snippet(archive: sa.Engine) -> None:
    [hit] = find(archive, "fiscales", highlight=("[", "]"))
    assert (hit.at, hit.section, hit.url) == (
        datetime(2019, 11, 20, 7, 30, tzinfo=PARIS), "economie",
        "https://www.rtl.fr/actu/economie/article-2-7700000002",
    )  # fmt: skip
    assert hit.comment_id is None and hit.author is None
    if archive.dialect.name == "postgresql":
        # ts_headline reads the lead and the body as one text, and cuts its fragments
        # at words it would index.
        assert hit.snippet == (
            "Bercy publie ses chiffres. Le déficit se creuse encore. Une réforme [fiscale] "
            "est évoquée pour"
        )
    else:
        assert hit.snippet == (
            "Le déficit se creuse encore. Une réforme [fiscale] est évoquée pour 2020."
        )


def test_snippet_from_the_lead_when_the_body_does_not_match(archive: sa.Engine) -> None:
    [hit] = find(archive, "mobilisent", highlight=("[", "]"))
    assert hit.title == TITLE_3
    if archive.dialect.name == "postgresql":
        assert hit.snippet == "réformes annoncées [mobilisent]. Cortèges dans toute la France"
    else:
        assert hit.snippet == "Les réformes annoncées [mobilisent]."


def test_comments(archive: sa.Engine) -> None:
    hits = find(archive, "retraites", comments=True, highlight=("[", "]"))
    assert [(h.comment_id, h.author, h.title) for h in hits] == [
        # Equal ranks: the most recent first.
        ("c1", "Jean D.", TITLE_1),
        ("c3", "Paul", TITLE_2),
    ]
    assert hits[0].snippet == "Cette réforme est injuste pour les [retraités]"
    assert hits[0].at == datetime(2019, 12, 5, 9, 0, tzinfo=PARIS)
    assert hits[0].url == "https://www.rtl.fr/actu/politique/article-1-7700000001"
    assert [h.comment_id for h in find(archive, "etat", comments=True)] == ["c2"]
    since = datetime(2019, 12, 1, tzinfo=PARIS)
    assert [h.comment_id for h in find(archive, "retraites", comments=True, since=since)] == [
        "c1"
    ]
    assert [
        h.comment_id for h in find(archive, "retraites", comments=True, section="economie")
    ] == ["c3"]


@pytest.mark.parametrize("query", ["le la des", "   ", '""', "-grève"])
def test_a_query_with_nothing_to_look_for_is_refused(archive: sa.Engine, query: str) -> None:
    if query == "-grève" and archive.dialect.name == "postgresql":
        # PostgreSQL can search for "everything but": it does.
        assert set(titles(find(archive, query))) == {TITLE_2, "Le PSG l'emporte"}
        return
    with pytest.raises(EmptyQueryError):
        find(archive, query)


def test_hostile_queries_are_words_not_syntax(archive: sa.Engine) -> None:
    for query in ['réforme" OR "', "NEAR(réforme", "title:grève", "'; DROP TABLE x", "a AND"]:
        assert isinstance(find(archive, query), list)  # no syntax error on either database
    assert titles(find(archive, "réforme*")) == titles(find(archive, "réforme"))
    assert titles(find(archive, "(grève)")) == [TITLE_3, TITLE_1]


def test_the_index_follows_edits_and_deletions(archive: sa.Engine, storage: Storage) -> None:
    edited = corpus()[3]
    edited.body = "Défaite au Parc des Princes après une réforme du jeu."
    edited.comments = [comment("c4", "Luc", AT, "Quelle réforme ?")]
    assert storage.write_articles([edited], now=AT + timedelta(hours=1)).articles_updated == 1

    assert titles(find(archive, "victoire")) == []
    assert "Le PSG l'emporte" in titles(find(archive, "défaite"))
    assert [h.comment_id for h in find(archive, "réforme", comments=True)] == ["c4", "c1"]

    with archive.begin() as conn:
        conn.execute(sa.text("DELETE FROM articles WHERE article_id = '7700000001'"))
    assert TITLE_1 not in titles(find(archive, "réforme"))
    # The comments went with their article (ON DELETE CASCADE), from the index too.
    assert [h.comment_id for h in find(archive, "réforme", comments=True)] == ["c4"]
    if archive.dialect.name == "sqlite":
        with archive.connect() as conn:
            for fts in ("articles_fts", "comments_fts"):
                # Compares the FTS index with the rows it was built from; raises if stale.
                conn.exec_driver_sql(
                    f"INSERT INTO {fts} ({fts}, rank) VALUES ('integrity-check', 1)"
                )


def test_sqlite_recrawl_of_unchanged_articles_does_not_reindex(sqlite_url: str) -> None:
    # The update trigger fires only when title, lead or body is written.
    migrate.upgrade(sqlite_url)
    with Storage(sqlite_url) as storage:
        storage.write_articles(corpus(), now=AT)
        storage.write_articles(corpus(), now=AT + timedelta(days=1))
        archive = storage.engine
        with archive.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE fts_before AS SELECT * FROM articles_fts_data")
        storage.write_articles(corpus(), now=AT + timedelta(days=2))
        with archive.connect() as conn:
            changed = conn.exec_driver_sql(
                "SELECT count(*) FROM (SELECT * FROM articles_fts_data"
                " EXCEPT SELECT * FROM fts_before)"
            ).scalar()
            seen = conn.exec_driver_sql("SELECT max(last_seen_at) FROM articles").scalar()
    assert seen.startswith("2019-12-22")
    assert changed == 0


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crawler.search", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_command_prints_ranked_results(archive: sa.Engine, db_url: str) -> None:
    done = _cli("réformes", "--section", "politique", "--database-url", db_url)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:5] == [
        "2 articles matching 'réformes', best first:",
        "",
        f"1. 2019-12-05 08:00  [politique]  {TITLE_1}",
        "   https://www.rtl.fr/actu/politique/article-1-7700000001",
        lines[4],
    ]
    assert lines[6:8] == [
        f"2. 2019-12-10 18:00  [politique]  {TITLE_3}",
        "   https://www.rtl.fr/actu/politique/article-3-7700000003",
    ]
    if db_url.startswith("postgresql"):
        assert lines[8] == "   **réformes** annoncées mobilisent. Cortèges dans toute la France"
    else:
        assert lines[8] == "   Les **réformes** annoncées mobilisent."
    assert len(lines) == 9


def test_command_comments_since(archive: sa.Engine, db_url: str) -> None:
    done = _cli("retraites", "--comments", "--since", "2019-12-01", "--database-url", db_url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "1 comments matching 'retraites', best first:",
        "",
        f"1. 2019-12-05 09:00  Jean D. on: {TITLE_1}",
        "   https://www.rtl.fr/actu/politique/article-1-7700000001 (comment c1)",
        "   Cette réforme est injuste pour les **retraités**",
    ]


def test_command_errors(archive: sa.Engine, db_url: str) -> None:
    nothing = _cli("football", "--database-url", db_url)
    assert (nothing.returncode, nothing.stdout) == (0, "No articles match 'football'.\n")

    empty = _cli("le la", "--database-url", db_url)
    assert empty.returncode == 2
    assert "nothing to search for" in empty.stderr

    bad_date = _cli("réforme", "--since", "05/12/2019", "--database-url", db_url)
    assert bad_date.returncode == 2
    assert "expected a date as YYYY-MM-DD" in bad_date.stderr


def test_command_on_a_database_without_the_index(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    migrate.upgrade(url, "0003_run_coverage")
    done = _cli("réforme", "--database-url", url)
    assert done.returncode == 1
    assert "has no search index yet: run `make db-upgrade`" in done.stderr
