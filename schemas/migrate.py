"""Apply or revert the Alembic migrations, from Python or the command line.

Command line (``make db-upgrade`` runs the first; without ``--url`` the database is the
crawler's: DATABASE_URL, else var/crawl.sqlite)::

    python -m schemas.migrate upgrade
    python -m schemas.migrate current --url postgresql+psycopg://user@host/db
    python -m schemas.migrate downgrade --revision base
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

from schemas.database_url import database_url
from schemas.engine import (
    DatabaseUnavailableError,
    check_connection,
    create_engine,
    display_url,
    unavailable_message,
)

HERE = Path(__file__).resolve().parent
ALEMBIC_INI = HERE / "alembic.ini"


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """The project's Alembic config, bound to ``connection`` when one is given."""
    config = Config(str(ALEMBIC_INI))
    # Absolute, so that migrating works from any working directory.
    config.set_main_option("script_location", str(HERE / "migrations"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@contextmanager
def _engine(url_or_engine: str | sa.URL | sa.Engine) -> Iterator[sa.Engine]:
    if isinstance(url_or_engine, sa.Engine):
        yield url_or_engine
        return
    engine = create_engine(url_or_engine)
    try:
        yield engine
    finally:
        engine.dispose()


def _lock_key(database: str | None) -> int:
    # Advisory locks are per server: the database name keeps two databases apart.
    scope = f"{database}\x1fmigrations".encode()
    return int.from_bytes(hashlib.sha256(scope).digest()[:8], "big", signed=True)


def lock_in_transaction(conn: sa.Connection) -> None:
    """On PostgreSQL, wait for the database's migration lock, held until the transaction
    ends: two processes migrating one database at once (two first crawls, a crawl and
    ``make db-upgrade``) take turns, and the second finds the work done."""
    if conn.dialect.name == "postgresql":
        key = _lock_key(conn.engine.url.database)
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


@contextmanager
def migration_lock(conn: sa.Connection) -> Iterator[None]:
    """On SQLite, hold an exclusive ``flock`` on a file beside the database for the block
    (its transaction included), the counterpart of :func:`lock_in_transaction`."""
    database = conn.engine.url.database
    if conn.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate.lock", "ab") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run(url_or_engine: str | sa.URL | sa.Engine, action: str, revision: str) -> None:
    with _engine(url_or_engine) as engine:
        check_connection(engine)
        try:
            # One transaction for the whole run: on PostgreSQL a failed migration leaves
            # the schema as it was.
            with engine.connect() as conn:
                sqlite = conn.dialect.name == "sqlite"
                if sqlite:
                    # SQLite alters a table by copying it and dropping the original; with
                    # foreign keys on, that drop would cascade into every child table. The
                    # pragma is ignored inside a transaction, hence before BEGIN.
                    conn.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")
                try:
                    with migration_lock(conn), conn.begin():
                        lock_in_transaction(conn)
                        getattr(command, action)(alembic_config(conn), revision)
                        if sqlite:
                            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                            if broken:
                                raise RuntimeError(f"migration broke foreign keys: {broken[:5]}")
                finally:
                    if sqlite:
                        conn.connection.driver_connection.execute("PRAGMA foreign_keys = ON")
        except sa.exc.OperationalError as exc:
            raise DatabaseUnavailableError(unavailable_message(engine, exc)) from None


def upgrade(url_or_engine: str | sa.URL | sa.Engine, revision: str = "head") -> None:
    """Migrate the database up to ``revision`` (default: the latest)."""
    _run(url_or_engine, "upgrade", revision)


def downgrade(url_or_engine: str | sa.URL | sa.Engine, revision: str = "-1") -> None:
    """Migrate the database down to ``revision`` (default: one step; ``base`` = empty)."""
    _run(url_or_engine, "downgrade", revision)


def current(url_or_engine: str | sa.URL | sa.Engine) -> str | None:
    """The revision the database is at, or ``None`` when it was never migrated."""
    with _engine(url_or_engine) as engine:
        check_connection(engine)
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()


def head() -> str | None:
    """The newest revision shipped with the code."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m schemas.migrate", description="Migrate the crawler database."
    )
    parser.add_argument("action", choices=["upgrade", "downgrade", "current"])
    parser.add_argument(
        "--url", help="SQLAlchemy URL (default: DATABASE_URL, else var/crawl.sqlite)"
    )
    parser.add_argument(
        "--revision", help="target revision (upgrade: head; downgrade: -1, or base for empty)"
    )
    args = parser.parse_args(argv)
    url = database_url({"DATABASE_URL": args.url})
    shown = display_url(url)
    try:
        if args.action == "current":
            print(f"{shown}: {current(url) or 'not migrated'} (latest: {head()})")
        elif args.action == "upgrade":
            upgrade(url, args.revision or "head")
            print(f"{shown}: upgraded to {args.revision or 'head'}")
        else:
            downgrade(url, args.revision or "-1")
            print(f"{shown}: downgraded to {args.revision or '-1'}")
    except DatabaseUnavailableError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except sa.exc.ArgumentError:
        print(f"error: not a usable database URL: {shown}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
