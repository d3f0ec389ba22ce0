"""Migrations and the tables module: they build the same schema on PostgreSQL and SQLite."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.dialects.postgresql import JSONB

from schemas import migrate
from schemas.tables import ARTICLE_SUMMARY_VIEW, in_metadata_comparison, metadata

ROOT = Path(__file__).resolve().parent.parent
TABLES = {table.name for table in metadata.sorted_tables}
#: FTS5 tables on SQLite: the virtual table and the shadow tables FTS5 keeps its index in
#: (external content: no copy of the text).
FTS5_TABLES = {
    f"{fts}{suffix}"
    for fts in ("articles_fts", "comments_fts")
    for suffix in ("", "_data", "_idx", "_docsize", "_config")
}


def _head_tables(url: str) -> set[str]:
    search = FTS5_TABLES if url.startswith("sqlite") else set()
    return TABLES | search | {"alembic_version"}


def _inspect(url: str) -> tuple[set[str], set[str]]:
    engine = sa.create_engine(url)
    try:
        inspector = sa.inspect(engine)
        return set(inspector.get_table_names()), set(inspector.get_view_names())
    finally:
        engine.dispose()


def _drift(url: str, target: sa.MetaData = metadata) -> list:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_name": in_metadata_comparison}
            )
            return compare_metadata(context, target)
    finally:
        engine.dispose()


@pytest.fixture(params=["postgres", "sqlite"])
def empty_db_url(request: pytest.FixtureRequest) -> str:
    name = "empty_pg_db_url" if request.param == "postgres" else "sqlite_url"
    return request.getfixturevalue(name)


def test_upgrade_downgrade_upgrade(empty_db_url: str) -> None:
    assert migrate.current(empty_db_url) is None

    migrate.upgrade(empty_db_url)
    assert migrate.current(empty_db_url) == migrate.head() == "0005_sites"
    assert _inspect(empty_db_url) == (_head_tables(empty_db_url), {ARTICLE_SUMMARY_VIEW})

    migrate.downgrade(empty_db_url, "base")
    assert migrate.current(empty_db_url) is None
    assert _inspect(empty_db_url) == ({"alembic_version"}, set())

    migrate.upgrade(empty_db_url)
    migrate.upgrade(empty_db_url)  # already at head: nothing to do
    assert _inspect(empty_db_url) == (_head_tables(empty_db_url), {ARTICLE_SUMMARY_VIEW})
    assert _drift(empty_db_url) == []


def test_migrated_postgres_matches_tables_module(pg_db_url: str) -> None:
    assert _drift(pg_db_url) == []


def test_drift_check_does_see_differences(pg_db_url: str) -> None:
    # Guards the test above against passing vacuously.
    changed = sa.MetaData()
    for table in metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["comments"].append_column(sa.Column("score", sa.Integer))
    sa.Index("ix_comments_posted_at", changed.tables["comments"].c.posted_at)

    diff = _drift(pg_db_url, changed)

    assert {entry[0] for entry in diff} == {"add_column", "add_index"}


def test_postgres_column_types(pg_db_url: str) -> None:
    engine = sa.create_engine(pg_db_url)
    try:
        inspector = sa.inspect(engine)
        columns = {c["name"]: c for c in inspector.get_columns("articles")}
        unique = inspector.get_unique_constraints("articles")
        comment_fks = inspector.get_foreign_keys("comments")
    finally:
        engine.dispose()
    assert isinstance(columns["id"]["type"], sa.BigInteger)
    assert isinstance(columns["body_blocks"]["type"], JSONB)
    for name in ("published_at", "modified_at", "first_seen_at", "last_seen_at"):
        assert isinstance(columns[name]["type"], sa.DateTime)
        assert columns[name]["type"].timezone, name
    assert columns["identity"]["nullable"] is False
    assert [u["column_names"] for u in unique] == [["identity"]]
    assert sorted((fk["referred_table"], fk["options"].get("ondelete")) for fk in comment_fks) == [
        ("articles", "CASCADE"),
        ("crawl_runs", "SET NULL"),
    ]


def test_sqlite_enforces_foreign_keys_and_cascades(sqlite_url: str) -> None:
    from pipelines.storage import Storage

    migrate.upgrade(sqlite_url)
    with (
        Storage(sqlite_url) as storage,
        storage.engine.begin() as conn,
        pytest.raises(sa.exc.IntegrityError),
    ):
        conn.execute(sa.text("INSERT INTO article_urls (url, article_id) VALUES ('u', 42)"))


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def test_cli_upgrade_and_current(sqlite_url: str) -> None:
    done = _cli("-m", "schemas.migrate", "upgrade", "--url", sqlite_url)
    assert done.returncode == 0, done.stderr
    shown = _cli("-m", "schemas.migrate", "current", "--url", sqlite_url)
    assert shown.returncode == 0, shown.stderr
    assert "0005_sites (latest: 0005_sites)" in shown.stdout


def test_plain_alembic_with_x_url(sqlite_url: str) -> None:
    done = _cli("-m", "alembic", "-c", "schemas/alembic.ini", "-x", f"url={sqlite_url}",
                "upgrade", "head")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert migrate.current(sqlite_url) == "0005_sites"


def test_cli_error_hides_password() -> None:
    done = _cli("-m", "schemas.migrate", "current",
                "--url", "postgresql+psycopg://user:s3cret@127.0.0.1:1/x")  # fmt: skip
    assert done.returncode == 1
    assert "s3cret" not in done.stdout + done.stderr
    assert "127.0.0.1" in done.stderr
    assert "user:***@" in done.stderr


def test_plain_postgresql_urls_get_psycopg3() -> None:
    from schemas.engine import create_engine

    for url in ("postgresql://u@h/db", "postgres://u@h/db"):
        engine = create_engine(url)
        assert engine.dialect.driver == "psycopg"
        engine.dispose()


def test_upgrade_from_0001_keeps_the_data(empty_db_url: str) -> None:
    # SQLite rebuilds the altered tables: nothing may cascade away or be lost on the way.
    migrate.upgrade(empty_db_url, "0001_initial")
    engine = sa.create_engine(empty_db_url)
    at = "'2024-05-01 10:00:00+00:00'"
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO articles (identity, url, title, body, content_hash,"
                f" first_seen_at, last_seen_at) VALUES ('rtl:1', 'u1', 'T', 'B', 'h', {at}, {at})"
            )
            conn.exec_driver_sql(
                "INSERT INTO comments (comment_id, article_id, text, duplicate_of,"
                f" first_seen_at, last_seen_at) VALUES ('c1', 1, 'x', NULL, {at}, {at}),"
                f" ('c2', 1, 'x', 'c1', {at}, {at})"
            )
            for when in ("'2024-05-01 10:00:00+00:00'", "'2024-05-02 10:00:00+00:00'"):
                conn.exec_driver_sql(
                    "INSERT INTO rejected_pages (url, reason, rejected_at)"
                    f" VALUES ('bad', 'http_404', {when})"
                )
        migrate.upgrade(empty_db_url)
        with engine.connect() as conn:
            comments = conn.execute(
                sa.text("SELECT comment_id, duplicate_kind FROM comments ORDER BY comment_id")
            ).all()
            versions = conn.execute(
                sa.text("SELECT article_id, version, content_hash, title FROM article_versions")
            ).all()
            rejected = conn.execute(
                sa.text("SELECT url, times_rejected FROM rejected_pages")
            ).all()
            version = conn.scalar(sa.text("SELECT version FROM articles"))
    finally:
        engine.dispose()
    assert comments == [("c1", None), ("c2", "exact")]
    assert versions == [(1, 1, "h", "T")]
    assert rejected == [("bad", 2)]
    assert version == 1
    assert _drift(empty_db_url) == []


def _run_columns(url: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        return [column["name"] for column in sa.inspect(engine).get_columns("crawl_runs")]
    finally:
        engine.dispose()


def test_0003_adds_run_coverage_and_alarm_and_reverts_keeping_the_runs(
    empty_db_url: str,
) -> None:
    migrate.upgrade(empty_db_url, "0002_runs_versions")
    assert {"coverage", "alarm"}.isdisjoint(_run_columns(empty_db_url))
    engine = sa.create_engine(empty_db_url)
    at = "'2026-11-30 08:00:00+00:00'"
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO crawl_runs (job, spider, started_at, status)"
                f" VALUES ('rtl', 'rtl', {at}, 'finished')"
            )
            conn.exec_driver_sql(
                "INSERT INTO articles (identity, url, title, content_hash, first_seen_at,"
                f" last_seen_at, first_run_id) VALUES ('rtl:1', 'u1', 'T', 'h', {at}, {at}, 1)"
            )
        migrate.upgrade(empty_db_url)
        assert _run_columns(empty_db_url)[-2:] == ["coverage", "alarm"]
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "UPDATE crawl_runs SET coverage = '{\"pages\": 3}', alarm = 'title ...'"
            )
            assert conn.exec_driver_sql("SELECT alarm FROM crawl_runs").scalar() == "title ..."

        migrate.downgrade(empty_db_url, "0002_runs_versions")
        assert {"coverage", "alarm"}.isdisjoint(_run_columns(empty_db_url))
        with engine.connect() as conn:
            kept = conn.exec_driver_sql("SELECT id, job, status FROM crawl_runs").all()
            first_run = conn.exec_driver_sql("SELECT first_run_id FROM articles").scalar()
    finally:
        engine.dispose()
    assert kept == [(1, "rtl", "finished")]
    assert first_run == 1


def test_0005_gives_rows_their_site_and_makes_comment_ids_unique_per_site(
    empty_db_url: str,
) -> None:
    # Rows of the previous schema: one RTL article with two comments, one article known by
    # its URL only; then a Fun Radio article using one of RTL's comment ids.
    migrate.upgrade(empty_db_url, "0004_search")
    engine = sa.create_engine(empty_db_url)
    at = "'2024-05-01 10:00:00+00:00'"
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO articles (identity, url, title, body, content_hash, first_seen_at,"
                f" last_seen_at) VALUES ('rtl:7900000001', 'u1', 'T', 'B', 'h', {at}, {at}),"
                f" ('https://www.rtl.fr/page', 'u2', 'T2', 'B2', 'h2', {at}, {at})"
            )
            conn.exec_driver_sql(
                "INSERT INTO comments (comment_id, article_id, text, first_seen_at,"
                f" last_seen_at) VALUES ('c1', 1, 'x', {at}, {at}), ('c2', 1, 'y', {at}, {at})"
            )
        migrate.upgrade(empty_db_url)
        with engine.begin() as conn:
            sites = conn.execute(sa.text("SELECT identity, site FROM articles ORDER BY id")).all()
            comment_sites = conn.execute(
                sa.text("SELECT comment_id, site FROM comments ORDER BY comment_id")
            ).all()
            conn.exec_driver_sql(
                "INSERT INTO articles (identity, site, url, title, body, content_hash,"
                f" first_seen_at, last_seen_at) VALUES ('funradio:7900000001', 'funradio',"
                f" 'u3', 'T3', 'B3', 'h3', {at}, {at})"
            )
            conn.exec_driver_sql(
                "INSERT INTO comments (comment_id, site, article_id, text, first_seen_at,"
                f" last_seen_at) VALUES ('c1', 'funradio', 3, 'z', {at}, {at})"
            )
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO comments (comment_id, site, article_id, text, first_seen_at,"
                f" last_seen_at) VALUES ('c1', 'rtl', 2, 'again', {at}, {at})"
            )
        with engine.connect() as conn:
            found = conn.execute(
                sa.text("SELECT site, comment_id FROM comments ORDER BY site, comment_id")
            ).all()
    finally:
        engine.dispose()
    assert sites == [("rtl:7900000001", "rtl"), ("https://www.rtl.fr/page", "rtl")]
    assert comment_sites == [("c1", "rtl"), ("c2", "rtl")]
    assert found == [("funradio", "c1"), ("rtl", "c1"), ("rtl", "c2")]
    assert _drift(empty_db_url) == []
