"""PostgreSQL roles for people and tools that read the crawler's tables with SQL.

Command line (the database is the crawler's: ``--url``, else DATABASE_URL; run it as the
owner of the tables or a superuser, after ``make db-upgrade``)::

    python -m schemas.roles create-readonly analyst
    ANALYST_PASSWORD=... python -m schemas.roles create-readonly analyst \\
        --password-env ANALYST_PASSWORD

Without ``--password-env`` a new role is NOLOGIN, a group to grant to real users
(``GRANT analyst TO alice``); with it, the role can log in with that password. Running the
command again is safe: it re-applies the grants, and leaves an existing role's login and
password alone unless ``--password-env`` is given.

The role can SELECT every table and view of the schema, including those created later by
the migrations (``ALTER DEFAULT PRIVILEGES`` for the roles that own the tables), and
nothing else there: no INSERT, UPDATE, DELETE, TRUNCATE or CREATE. The grants are checked
with ``has_table_privilege`` before committing, so a role that would still be able to
write (a superuser, a table owner, a member of a writing role) is refused, not half-made.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import dataclass, field

import sqlalchemy as sa
from psycopg import sql

from schemas.database_url import database_url
from schemas.engine import (
    DatabaseUnavailableError,
    check_connection,
    create_engine,
    display_url,
    error_text,
    redact,
    where,
)

#: Plain SQL identifiers only: the name is typed unquoted in GRANT statements and in
#: connection strings by the people who use it, where case and odd characters surprise.
ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
#: Names PostgreSQL reserves or reads as something else than a role.
RESERVED_NAMES = frozenset({"public", "none", "current_user", "current_role", "session_user"})
#: Everything a read-only role must not hold on a table or view.
WRITE_PRIVILEGES = ("INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
#: Role attributes that reach past SELECT (superuser ones bypass grants altogether).
POWERFUL_ATTRIBUTES = ("rolsuper", "rolcreaterole", "rolcreatedb", "rolreplication",
                       "rolbypassrls")  # fmt: skip


class RoleError(RuntimeError):
    """The role could not be made read-only; the message says why and is safe to show."""


@dataclass
class ReadonlyRole:
    """What ``create_readonly_role`` did."""

    name: str
    schema: str
    database: str
    #: False when the role already existed.
    created: bool
    can_login: bool
    password_set: bool
    tables: list[str] = field(default_factory=list)
    views: list[str] = field(default_factory=list)
    #: Roles whose future tables and views in the schema the role can read.
    future_objects_of: list[str] = field(default_factory=list)


def check_role_name(name: str) -> str:
    """``name`` if it is usable as a read-only role name, else ``ValueError`` saying why."""
    if not ROLE_NAME.fullmatch(name):
        raise ValueError(
            f"role name {name!r} must be 1-63 lowercase letters, digits or underscores, "
            "not starting with a digit"
        )
    if name.startswith("pg_") or name in RESERVED_NAMES:
        raise ValueError(f"role name {name!r} is reserved by PostgreSQL")
    return name


def create_readonly_role(
    url_or_engine: str | sa.URL | sa.Engine,
    name: str,
    *,
    password: str | None = None,
    schema: str | None = None,
) -> ReadonlyRole:
    """Create or update role ``name`` so it can read, and only read, the crawler's tables.

    ``password``: make the role LOGIN with this password (stored as a SCRAM or md5 hash
    computed on this side, so the clear text never reaches the server or its logs).
    ``schema``: default, the connection's current schema (where the migrations put the
    tables). Raises ``RoleError`` when the role would not be read-only, and
    ``schemas.engine.DatabaseUnavailableError`` when the database cannot be reached.
    """
    check_role_name(name)
    if isinstance(url_or_engine, sa.Engine):
        engine, owned = url_or_engine, False
    else:
        engine, owned = create_engine(url_or_engine), True
    try:
        if engine.dialect.name != "postgresql":
            raise RoleError(
                f"read-only roles need PostgreSQL; the database is the {where(engine)}, "
                "which has no users or grants (give readers a copy of the file instead)"
            )
        check_connection(engine)
        try:
            with engine.begin() as conn:
                return _apply(conn, name, password, schema)
        except sa.exc.DBAPIError as exc:
            # The statements can carry the password hash; the driver's message does not.
            message = error_text(exc, engine)
            if password:
                message = message.replace(password, "***")
            raise RoleError(f"could not set up role {name!r}: {message}") from None
    finally:
        if owned:
            engine.dispose()


def _apply(
    conn: sa.Connection, name: str, password: str | None, schema: str | None
) -> ReadonlyRole:
    quote = conn.dialect.identifier_preparer.quote_identifier
    role = quote(name)
    schema = schema or conn.scalar(sa.text("SELECT current_schema()"))
    if schema is None:
        raise RoleError("no current schema: pass --schema")
    if not conn.scalar(sa.text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": schema}):
        raise RoleError(f"schema {schema!r} does not exist in this database")
    database = conn.scalar(sa.text("SELECT current_database()"))
    existing = conn.execute(
        sa.text(f"SELECT rolcanlogin, {', '.join(POWERFUL_ATTRIBUTES)} FROM pg_roles "
                "WHERE rolname = :name"),
        {"name": name},
    ).mappings().first()  # fmt: skip
    if existing is not None:
        powers = [a[3:] for a in POWERFUL_ATTRIBUTES if existing[a]]
        if powers:
            raise RoleError(
                f"role {name!r} already exists with {', '.join(powers).upper()}: it cannot be "
                "made read-only; choose another name"
            )
    objects = conn.execute(
        sa.text(
            "SELECT c.relname, c.relkind, pg_get_userbyid(c.relowner) AS owner FROM pg_class c"
            " WHERE c.relnamespace = CAST(:s AS regnamespace)"
            " AND c.relkind IN ('r', 'p', 'v', 'm', 'f') ORDER BY c.relname"
        ),
        {"s": quote(schema)},
    ).all()
    owners = sorted({row.owner for row in objects} | {conn.scalar(sa.text("SELECT current_user"))})
    if name in owners:
        raise RoleError(
            f"role {name!r} owns tables in schema {schema!r} (or is the user running this): "
            "an owner can always write; choose another name"
        )
    # Only a member of a role (or a superuser) may set default privileges for it.
    foreign = [
        owner for owner in owners
        if not conn.scalar(sa.text("SELECT pg_has_role(:o, 'MEMBER')"), {"o": owner})
    ]  # fmt: skip
    if foreign:
        raise RoleError(
            f"the tables in schema {schema!r} belong to {', '.join(foreign)}: run this command "
            "as that role or as a superuser, so that tables the migrations add later are "
            "readable too"
        )

    verifier = _password_verifier(conn, name, password) if password is not None else None
    login = f" LOGIN PASSWORD {_literal(conn, verifier)}" if verifier else ""
    if existing is None:
        # NOLOGIN unless a password is given: a group role for real users to be granted.
        conn.exec_driver_sql(f"CREATE ROLE {role}{login or ' NOLOGIN'}")
    elif login:
        conn.exec_driver_sql(f"ALTER ROLE {role}{login}")

    in_schema = quote(schema)
    statements = [
        f"GRANT CONNECT ON DATABASE {quote(database)} TO {role}",
        # Start from nothing so that whatever was granted before goes: "nothing else".
        f"REVOKE ALL ON SCHEMA {in_schema} FROM {role}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {in_schema} FROM {role}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {in_schema} FROM {role}",
        f"GRANT USAGE ON SCHEMA {in_schema} TO {role}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA {in_schema} TO {role}",
    ]
    for owner in owners:
        # Default privileges apply to objects created by one given role: the migrations run
        # as the owner of the existing tables (or as whoever runs this command).
        for_owner = f"ALTER DEFAULT PRIVILEGES FOR ROLE {quote(owner)} IN SCHEMA {in_schema}"
        statements += [
            f"{for_owner} REVOKE ALL ON TABLES FROM {role}",
            f"{for_owner} REVOKE ALL ON SEQUENCES FROM {role}",
            f"{for_owner} GRANT SELECT ON TABLES TO {role}",
        ]
    for statement in statements:
        conn.exec_driver_sql(statement)

    _verify_readonly(conn, name, schema)
    return ReadonlyRole(
        name=name,
        schema=schema,
        database=database,
        created=existing is None,
        can_login=bool(verifier) or bool(existing and existing["rolcanlogin"]),
        password_set=bool(verifier),
        tables=[row.relname for row in objects if row.relkind != "v"],
        views=[row.relname for row in objects if row.relkind == "v"],
        future_objects_of=owners,
    )


def _password_verifier(conn: sa.Connection, name: str, password: str) -> str:
    """The password hashed as the server's ``password_encryption`` asks (libpq's
    ``PQencryptPasswordConn``), so ``CREATE ROLE`` never carries the clear text."""
    if not password:
        raise RoleError("the password is empty")
    pgconn = conn.connection.driver_connection.pgconn
    return pgconn.encrypt_password(password.encode(), name.encode()).decode("ascii")


def _literal(conn: sa.Connection, value: str) -> str:
    # CREATE/ALTER ROLE take no bound parameters; psycopg quotes as the server expects.
    return sql.Literal(value).as_string(conn.connection.driver_connection)


def _verify_readonly(conn: sa.Connection, name: str, schema: str) -> None:
    """Raise ``RoleError`` unless ``name`` can read every table and view and change none.

    Grants are not the whole story: membership in a writing role, or PUBLIC's own rights,
    also count, and only the server's privilege functions see all of it.
    """
    problems = conn.execute(
        sa.text(
            "SELECT c.relname,"
            " has_table_privilege(:role, c.oid, 'SELECT') AS can_read,"
            " array_remove(ARRAY[" + ", ".join(
                f"CASE WHEN has_table_privilege(:role, c.oid, '{p}') THEN '{p}' END"
                for p in WRITE_PRIVILEGES
            ) + "], NULL) AS writes"
            " FROM pg_class c WHERE c.relnamespace = CAST(:s AS regnamespace)"
            " AND c.relkind IN ('r', 'p', 'v', 'm', 'f') ORDER BY c.relname"
        ),
        {"role": name, "s": conn.dialect.identifier_preparer.quote_identifier(schema)},
    ).all()  # fmt: skip
    unreadable = [row.relname for row in problems if not row.can_read]
    writable = [f"{row.relname} ({', '.join(row.writes)})" for row in problems if row.writes]
    can_create = conn.execute(
        sa.text(
            "SELECT has_schema_privilege(:role, :s, 'CREATE') AS in_schema,"
            " has_database_privilege(:role, current_database(), 'CREATE') AS schemas"
        ),
        {"role": name, "s": schema},
    ).one()
    messages = []
    if writable:
        messages.append(
            f"it can still change {', '.join(writable[:5])}"
            + (f" and {len(writable) - 5} more" if len(writable) > 5 else "")
            + " (is it a member of a role that owns or writes them?)"
        )
    if can_create.in_schema:
        messages.append(
            f"it can create tables in schema {schema!r}, most likely through PUBLIC: run "
            f"REVOKE CREATE ON SCHEMA {schema} FROM PUBLIC (PostgreSQL 15 does this by default)"
        )
    if can_create.schemas:
        messages.append("it can create schemas in this database (CREATE on the database)")
    if unreadable:
        messages.append(f"it cannot read {', '.join(unreadable)}")
    if messages:
        raise RoleError(f"role {name!r} would not be read-only: " + "; ".join(messages))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m schemas.roles",
        description="Manage PostgreSQL roles for reading the crawler database with SQL.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser(
        "create-readonly",
        help="create or update a role that can SELECT every table and view, and nothing else",
    )
    create.add_argument("role", help="role name (lowercase letters, digits, underscores)")
    create.add_argument(
        "--password-env",
        metavar="VAR",
        help="environment variable holding the password; makes the role LOGIN "
        "(without it a new role is NOLOGIN, for granting to users)",
    )
    create.add_argument("--schema", help="schema of the tables (default: the current schema)")
    create.add_argument(
        "--url", help="SQLAlchemy URL (default: DATABASE_URL, else var/crawl.sqlite)"
    )
    args = parser.parse_args(argv)

    try:
        check_role_name(args.role)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    password = None
    if args.password_env:
        # Taken from the environment, never the command line: argv shows in ps and history.
        password = os.environ.get(args.password_env)
        if not password:
            print(
                f"error: environment variable {args.password_env} is not set or empty; set it "
                "to the role's password, or leave out --password-env for a NOLOGIN role",
                file=sys.stderr,
            )
            return 2
    url = database_url({"DATABASE_URL": args.url})
    try:
        backend = sa.make_url(url).get_backend_name()
    except (sa.exc.ArgumentError, ValueError):
        print(f"error: not a usable database URL: {display_url(url)}", file=sys.stderr)
        return 2
    if backend != "postgresql":
        print(
            f"error: read-only roles need PostgreSQL, and the database is the {where(url)}. "
            "SQLite has no users or grants: give readers a copy of the file. Point "
            "DATABASE_URL (or --url) at the PostgreSQL database to create the role there.",
            file=sys.stderr,
        )
        return 2
    try:
        result = create_readonly_role(url, args.role, password=password, schema=args.schema)
    except (DatabaseUnavailableError, RoleError) as exc:
        text = str(exc) if password is None else str(exc).replace(password, "***")
        print(f"error: {redact(text, url)}", file=sys.stderr)
        return 1
    print(_summary(result, display_url(url)))
    return 0


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _summary(result: ReadonlyRole, shown_url: str) -> str:
    state = "created" if result.created else "updated (it already existed)"
    if result.password_set:
        login = "LOGIN, password set"
    elif result.can_login:
        login = "LOGIN, password unchanged"
    else:
        login = f"NOLOGIN: grant it to users with GRANT {result.name} TO <user>"
    views = f" ({', '.join(result.views)})" if result.views else ""
    return (
        f"Role {result.name} {state} on {shown_url} ({login}).\n"
        f"It can SELECT {_plural(len(result.tables), 'table')} and "
        f"{_plural(len(result.views), 'view')}{views} in schema {result.schema}, and those "
        f"that {' or '.join(result.future_objects_of)} will create there; nothing else."
    )


if __name__ == "__main__":
    sys.exit(main())
