"""Migration 0004_search: what it creates on PostgreSQL and SQLite, what its downgrade
removes, rows stored before it, and a database owner that is not a superuser."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from schemas import migrate
from schemas.search import search
from tests.conftest import _admin_engine, _drop_database

AT = "'2019-12-05 07:00:00+00:00'"


def _scalars(url: str, sql: str) -> list:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.exec_driver_sql(sql).scalars())
    finally:
        engine.dispose()


def _store_one_article_and_comment(url: str) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO articles (identity, url, title, lead, body, published_at,"
                " first_seen_at, last_seen_at) VALUES ('rtl:1', 'https://www.rtl.fr/a-1',"
                f" 'Les élections régionales', NULL, 'Le scrutin approche.', {AT}, {AT}, {AT})"
            )
            conn.exec_driver_sql(
                "INSERT INTO comments (comment_id, article_id, author, posted_at, text,"
                f" first_seen_at, last_seen_at) VALUES ('c1', 1, 'Léa', {AT},"
                f" 'Enfin une élection utile', {AT}, {AT})"
            )
    finally:
        engine.dispose()


def _titles(url: str, query: str, comments: bool = False) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [hit.title for hit in search(conn, query, comments=comments)]
    finally:
        engine.dispose()


@pytest.fixture(params=["postgres", "sqlite"])
def empty_db_url(request: pytest.FixtureRequest) -> str:
    name = "empty_pg_db_url" if request.param == "postgres" else "sqlite_url"
    return request.getfixturevalue(name)


def test_rows_stored_before_the_migration_are_indexed(empty_db_url: str) -> None:
    migrate.upgrade(empty_db_url, "0003_run_coverage")
    _store_one_article_and_comment(empty_db_url)

    migrate.upgrade(empty_db_url)

    assert _titles(empty_db_url, "élection") == ["Les élections régionales"]
    assert _titles(empty_db_url, "election", comments=True) == ["Les élections régionales"]


def test_downgrade_removes_the_index_and_keeps_the_rows(empty_db_url: str) -> None:
    migrate.upgrade(empty_db_url)
    _store_one_article_and_comment(empty_db_url)

    migrate.downgrade(empty_db_url, "0003_run_coverage")

    assert _scalars(empty_db_url, "SELECT title FROM articles") == ["Les élections régionales"]
    assert _scalars(empty_db_url, "SELECT text FROM comments") == ["Enfin une élection utile"]
    if empty_db_url.startswith("sqlite"):
        leftovers = _scalars(
            empty_db_url,
            "SELECT name FROM sqlite_master WHERE name LIKE '%fts%' ORDER BY name",
        )
        assert leftovers == []
    else:
        columns = _scalars(
            empty_db_url,
            "SELECT table_name || '.' || column_name FROM information_schema.columns"
            " WHERE column_name = 'search_vector'",
        )
        configs = _scalars(empty_db_url, "SELECT cfgname FROM pg_ts_config WHERE cfgname"
                                         " = 'french_unaccent'")  # fmt: skip
        indexes = _scalars(empty_db_url, "SELECT indexname FROM pg_indexes"
                                         " WHERE indexname LIKE '%%search%%'")  # fmt: skip
        assert (columns, configs, indexes) == ([], [], [])
        # Kept: it may have been there before, and may serve other objects.
        assert _scalars(empty_db_url, "SELECT extname FROM pg_extension"
                                      " WHERE extname = 'unaccent'") == ["unaccent"]  # fmt: skip

    # And up again: the rows get indexed anew.
    migrate.upgrade(empty_db_url)
    assert _titles(empty_db_url, "regionale") == ["Les élections régionales"]


def test_postgres_objects(pg_db_url: str) -> None:
    generated = _scalars(
        pg_db_url,
        "SELECT attrelid::regclass || '.' || attname || ':' || attgenerated::text"
        " || ':' || format_type(atttypid, atttypmod) FROM pg_attribute"
        " WHERE attname = 'search_vector' AND attrelid IN ('articles'::regclass,"
        " 'comments'::regclass) ORDER BY 1",
    )
    # 's': a stored generated column, computed by the database on every write.
    assert generated == ["articles.search_vector:s:tsvector", "comments.search_vector:s:tsvector"]
    indexes = _scalars(
        pg_db_url,
        "SELECT indexdef FROM pg_indexes WHERE indexname LIKE 'ix_%%_search_vector' ORDER BY 1",
    )
    assert indexes == [
        "CREATE INDEX ix_articles_search_vector ON public.articles USING gin (search_vector)",
        "CREATE INDEX ix_comments_search_vector ON public.comments USING gin (search_vector)",
    ]
    mapping = _scalars(
        pg_db_url,
        "SELECT DISTINCT alias || '=' || array_to_string(dictionaries, ',')"
        " FROM ts_debug('french_unaccent', 'Élysée porte-parole') ORDER BY 1",
    )
    assert mapping == [
        "asciihword=french_stem", "blank=", "hword_asciipart=french_stem",
        "word=unaccent,french_stem",
    ]  # fmt: skip
    lexemes = _scalars(
        pg_db_url, "SELECT to_tsvector('french_unaccent', 'Les réformes de l''État')::text"
    )
    # "de" and "l'" are stop words; "les" is not in PostgreSQL's French list (stemmed "le").
    assert lexemes == ["'etat':5 'le':1 'reform':2"]


@pytest.fixture
def owner_url(pg_url: str) -> Iterator[str]:
    """A brand-new database owned by a role that is not a superuser."""
    suffix = uuid.uuid4().hex[:10]
    role, database = f"crawler_owner_{suffix}", f"crawler_test_owned_{suffix}"
    admin = _admin_engine(pg_url)
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")
        conn.exec_driver_sql(f'CREATE DATABASE "{database}" OWNER {role}')
    url = sa.make_url(pg_url).set(username=role, password=None, database=database)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        _drop_database(pg_url, url.render_as_string(hide_password=False))
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP ROLE IF EXISTS {role}")
        admin.dispose()


def test_a_database_owner_without_superuser_can_migrate(owner_url: str) -> None:
    # unaccent is a trusted extension (PostgreSQL 13+): the database's owner may create it.
    migrate.upgrade(owner_url)
    _store_one_article_and_comment(owner_url)
    assert _titles(owner_url, "ELECTION") == ["Les élections régionales"]
    assert _scalars(owner_url, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user") == [
        False
    ]


@pytest.fixture
def reader(pg_url: str, clean_pg_db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """URL of ``clean_pg_db_url`` as a read-only role made by ``schemas.roles``."""
    from schemas.roles import main

    name = f"crawler_test_searcher_{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("SEARCHER_PASSWORD", "reads-only")
    assert main(["create-readonly", name, "--url", clean_pg_db_url,
                 "--password-env", "SEARCHER_PASSWORD"]) == 0  # fmt: skip
    url = sa.make_url(clean_pg_db_url).set(username=name, password="reads-only")
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        owner = sa.create_engine(clean_pg_db_url, poolclass=sa.pool.NullPool)
        with owner.begin() as conn:
            conn.exec_driver_sql(f"DROP OWNED BY {name}")
        owner.dispose()
        admin = _admin_engine(pg_url)
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP ROLE IF EXISTS {name}")
        admin.dispose()


def test_the_read_only_role_can_search(clean_pg_db_url: str, reader: str) -> None:
    _store_one_article_and_comment(clean_pg_db_url)
    assert _titles(reader, "élection") == ["Les élections régionales"]
    assert _titles(reader, "utile", comments=True) == ["Les élections régionales"]
