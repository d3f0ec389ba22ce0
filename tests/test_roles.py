"""``python -m schemas.roles create-readonly``: a role that reads everything and writes nothing.

Real PostgreSQL only. Roles live in the whole cluster, not in the test database: each test
gets a role name of its own and the fixture drops the role (and what it was granted)
afterwards.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from schemas import migrate
from schemas.roles import main

ROOT = Path(__file__).resolve().parent.parent
#: What a read-only role must be refused, on a table that has rows to change.
WRITES = [
    "INSERT INTO tags (name) VALUES ('written by the reader')",
    "UPDATE tags SET name = 'changed by the reader'",
    "DELETE FROM tags",
    "TRUNCATE tags CASCADE",
    "CREATE TABLE reader_table (x int)",
    "CREATE VIEW reader_view AS SELECT 1 AS x",
    "CREATE SCHEMA reader_schema",
]


@dataclass
class Role:
    name: str
    server_url: str
    #: Databases it may hold privileges in: those go before the role can be dropped.
    databases: list[str] = field(default_factory=list)

    def create(self, db_url: str, *options: str) -> int:
        """``create-readonly`` for this role on ``db_url``; the exit status."""
        if db_url not in self.databases:
            self.databases.append(db_url)
        return main(["create-readonly", self.name, "--url", db_url, *options])


def _engine(url: str, **kwargs: object) -> sa.Engine:
    return sa.create_engine(url, poolclass=sa.pool.NullPool, **kwargs)


@pytest.fixture
def role(pg_url: str) -> Iterator[Role]:
    made = Role(f"crawler_test_reader_{uuid.uuid4().hex[:10]}", pg_url)
    try:
        yield made
    finally:
        for db_url in made.databases:
            engine = _engine(db_url)
            try:
                with engine.begin() as conn:
                    conn.exec_driver_sql(f"REASSIGN OWNED BY {made.name} TO CURRENT_USER")
                    conn.exec_driver_sql(f"DROP OWNED BY {made.name}")
            except sa.exc.OperationalError:
                pass  # the database is gone already, and its grants with it
            except sa.exc.ProgrammingError as exc:
                if "does not exist" not in str(exc):  # the test never created the role
                    raise
            finally:
                engine.dispose()
        engine = _engine(pg_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql(f"DROP ROLE IF EXISTS {made.name}")
        finally:
            engine.dispose()


def relations(conn: sa.Connection) -> list[str]:
    """Every table, view and materialized view of the current schema."""
    return list(
        conn.scalars(
            sa.text(
                "SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace"
                " AND relkind IN ('r', 'p', 'v', 'm', 'f') ORDER BY relname"
            )
        )
    )


def as_role(db_url: str, role: str, statement: str) -> list[sa.Row]:
    """Run ``statement`` as ``role`` (SET ROLE from the admin connection), rolled back."""
    engine = _engine(db_url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f"SET ROLE {role}")
            result = conn.exec_driver_sql(statement)
            rows = result.all() if result.returns_rows else []
            conn.rollback()
            return rows
    finally:
        engine.dispose()


def assert_read_only(db_url: str, role: str) -> None:
    """``role`` reads every relation of the schema and is refused every write."""
    engine = _engine(db_url)
    try:
        with engine.connect() as conn:
            # One transaction, rolled back at the end: the check leaves nothing behind.
            transaction = conn.begin()
            conn.exec_driver_sql("INSERT INTO tags (name) VALUES ('a tag to change')")
            names = relations(conn)
            assert {"articles", "comments", "article_summary", "alembic_version"} <= set(names)
            conn.exec_driver_sql(f"SET LOCAL ROLE {role}")
            for name in names:
                assert conn.scalar(sa.text(f'SELECT count(*) FROM "{name}"')) >= 0
            for statement in WRITES:
                with pytest.raises(sa.exc.ProgrammingError) as refused, conn.begin_nested():
                    conn.exec_driver_sql(statement)
                assert isinstance(refused.value.orig, psycopg.errors.InsufficientPrivilege), (
                    statement
                )
                assert "permission denied" in str(refused.value.orig)
            transaction.rollback()
    finally:
        engine.dispose()


def test_readonly_role_selects_everything_and_changes_nothing(
    clean_pg_db_url: str, role: Role, capsys: pytest.CaptureFixture[str]
) -> None:
    assert role.create(clean_pg_db_url) == 0
    assert f"Role {role.name} created" in capsys.readouterr().out

    assert_read_only(clean_pg_db_url, role.name)
    # No password given: a group role, which cannot log in by itself.
    with pytest.raises(sa.exc.OperationalError, match="not permitted to log in"):
        _engine(sa.make_url(clean_pg_db_url).set(username=role.name)).connect()

    # Twice is fine, and changes nothing.
    assert role.create(clean_pg_db_url) == 0
    assert "already existed" in capsys.readouterr().out
    assert_read_only(clean_pg_db_url, role.name)


def test_tables_and_views_added_by_later_migrations_are_readable(
    empty_pg_db_url: str, role: Role
) -> None:
    migrate.upgrade(empty_pg_db_url, "+1")
    assert role.create(empty_pg_db_url) == 0

    # The rest of the migrations add tables and re-create the summary view.
    migrate.upgrade(empty_pg_db_url)
    engine = _engine(empty_pg_db_url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE added_later (x int)")
            assert "crawl_runs" in relations(conn)
    finally:
        engine.dispose()

    assert_read_only(empty_pg_db_url, role.name)
    with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
        as_role(empty_pg_db_url, role.name, "INSERT INTO added_later VALUES (1)")


def _password_matches(stored: str, password: str, role: str) -> bool:
    """Check a SCRAM-SHA-256 (RFC 5802/7677) or md5 verifier against a password."""
    if stored.startswith("md5"):
        return stored == "md5" + hashlib.md5((password + role).encode()).hexdigest()
    method, rest = stored.split("$", 1)
    assert method == "SCRAM-SHA-256", stored
    iterations_salt, keys = rest.split("$")
    iterations, salt = iterations_salt.split(":")
    stored_key, server_key = (base64.b64decode(k) for k in keys.split(":"))
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt),
                                 int(iterations))  # fmt: skip
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    return (
        hashlib.sha256(client_key).digest() == stored_key
        and hmac.new(salted, b"Server Key", "sha256").digest() == server_key
    )


def test_login_role_from_the_command_line_never_shows_a_password(
    clean_pg_db_url: str, role: Role, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    role.databases.append(clean_pg_db_url)
    role_password = "R3ader-Passw0rd-" + uuid.uuid4().hex[:6]
    # The server trusts local connections, so any admin password works: it must still
    # never be shown.
    admin_password = "Adm1n-Passw0rd-" + uuid.uuid4().hex[:6]
    admin_url = sa.make_url(clean_pg_db_url).set(password=admin_password)
    env = {
        **os.environ,
        "DATABASE_URL": admin_url.render_as_string(hide_password=False),
        "READER_PASSWORD": role_password,
    }
    command = [sys.executable, "-m", "schemas.roles", "create-readonly", role.name,
               "--password-env", "READER_PASSWORD"]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "LOGIN, password set" in done.stdout
    assert role_password not in output and admin_password not in output
    # Again (in-process, quicker): the same role, the same password, no complaint.
    monkeypatch.setenv("DATABASE_URL", env["DATABASE_URL"])
    monkeypatch.setenv("READER_PASSWORD", role_password)
    assert main(command[3:]) == 0
    output = "".join(capsys.readouterr())
    assert "already existed" in output
    assert role_password not in output and admin_password not in output

    engine = _engine(clean_pg_db_url)
    try:
        with engine.connect() as conn:
            can_login = conn.scalar(
                sa.text("SELECT rolcanlogin FROM pg_roles WHERE rolname = :r"), {"r": role.name}
            )
            superuser = conn.scalar(
                sa.text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            )
            stored = (
                conn.scalar(
                    sa.text("SELECT rolpassword FROM pg_authid WHERE rolname = :r"),
                    {"r": role.name},
                )
                if superuser
                else None
            )
    finally:
        engine.dispose()
    assert can_login
    if stored is not None:  # pg_authid is for superusers only
        # Hashed on the client side: the clear text never reached the server.
        assert role_password not in stored
        assert _password_matches(stored, role_password, role.name)

    reader_url = sa.make_url(clean_pg_db_url).set(username=role.name, password=role_password)
    reader = _engine(reader_url)
    try:
        with reader.connect() as conn:
            assert conn.scalar(sa.text("SELECT count(*) FROM article_summary")) == 0
            with pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
                conn.exec_driver_sql("INSERT INTO authors (name) VALUES ('x')")
    finally:
        reader.dispose()


def test_refuses_a_role_that_could_still_write(
    clean_pg_db_url: str, role: Role, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = _engine(clean_pg_db_url)
    try:
        with engine.begin() as conn:
            me = conn.scalar(sa.text("SELECT current_user"))
            # A member of the tables' owner inherits the owner's rights, grants or not.
            conn.exec_driver_sql(f"CREATE ROLE {role.name} NOLOGIN")
            conn.exec_driver_sql(f'GRANT "{me}" TO {role.name}')
    finally:
        engine.dispose()

    assert role.create(clean_pg_db_url) == 1
    assert "would not be read-only" in capsys.readouterr().err
    # Refused as a whole: no grant or default privilege was left behind.
    engine = _engine(clean_pg_db_url)
    try:
        with engine.connect() as conn:
            left = conn.scalar(
                sa.text(
                    "SELECT count(*) FROM pg_default_acl, aclexplode(defaclacl) acl"
                    " WHERE acl.grantee = CAST(:r AS regrole)"
                ),
                {"r": role.name},
            )
            direct = conn.scalar(
                sa.text(
                    "SELECT count(*) FROM information_schema.role_table_grants"
                    " WHERE grantee = :r"
                ),
                {"r": role.name},
            )
    finally:
        engine.dispose()
    assert (left, direct) == (0, 0)

    # The user running the command (owner, superuser) is refused outright.
    assert main(["create-readonly", me, "--url", clean_pg_db_url]) == 1
    assert "read-only" in capsys.readouterr().err


def test_refuses_sqlite_bad_names_and_missing_passwords(
    tmp_path: Path, pg_url: str, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    sqlite_url = f"sqlite:///{tmp_path / 'crawl.sqlite'}"
    assert main(["create-readonly", "reader", "--url", sqlite_url]) == 2
    error = capsys.readouterr().err
    assert "need PostgreSQL" in error and "SQLite file" in error

    # DATABASE_URL, as the crawler reads it.
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    assert main(["create-readonly", "reader"]) == 2
    assert "need PostgreSQL" in capsys.readouterr().err

    for bad in ("Reader", "1reader", "pg_reader", "public", "reader; DROP TABLE articles"):
        assert main(["create-readonly", bad, "--url", pg_url]) == 2
        assert "role name" in capsys.readouterr().err

    monkeypatch.delenv("CRAWLER_TEST_UNSET_PASSWORD", raising=False)
    assert main(["create-readonly", "reader", "--url", pg_url,
                 "--password-env", "CRAWLER_TEST_UNSET_PASSWORD"]) == 2  # fmt: skip
    assert "CRAWLER_TEST_UNSET_PASSWORD is not set" in capsys.readouterr().err
