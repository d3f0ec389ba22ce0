"""Engines for the crawler database, and messages about them that never show a password."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import sqlalchemy as sa

#: Seconds to wait for a PostgreSQL server before giving up: a crawl or a migration should
#: fail quickly when the server is down rather than hang.
CONNECT_TIMEOUT = 10

#: Longest error text kept in messages and failure reports.
MAX_ERROR_CHARS = 500


class DatabaseUnavailableError(RuntimeError):
    """The database could not be reached or opened; the message is safe to show."""


def create_engine(url: str | sa.URL, **kwargs: Any) -> sa.Engine:
    """An engine set up for this project's tables on PostgreSQL (psycopg 3) or SQLite.

    SQLite gets foreign keys enforced (off by default there, and the cascades rely on them),
    WAL journaling so readers are not blocked by a crawl writing, a busy timeout, and
    transactions that start at ``BEGIN`` of SQLAlchemy's transaction: Python's sqlite3
    otherwise starts them only at the first write, so earlier reads (the change detection)
    would sit outside the transaction.
    """
    url = sa.make_url(url)
    if url.drivername in ("postgresql", "postgres"):
        # psycopg 3 is the driver this project installs; SQLAlchemy would pick psycopg2.
        url = url.set(drivername="postgresql+psycopg")
    backend = url.get_backend_name()
    # Statement parameters are article and comment text: noise in error messages and logs.
    kwargs.setdefault("hide_parameters", True)
    if backend == "postgresql":
        connect_args = kwargs.setdefault("connect_args", {})
        connect_args.setdefault("connect_timeout", CONNECT_TIMEOUT)
        kwargs.setdefault("pool_pre_ping", True)
    elif backend == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, **kwargs)
    if backend == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_on_connect)
        sa.event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, connection_record: Any) -> None:
    # Hand transaction control to SQLAlchemy (the recipe in SQLAlchemy's SQLite docs).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA busy_timeout = 5000")
    finally:
        cursor.close()


def _sqlite_on_begin(conn: sa.Connection) -> None:
    conn.exec_driver_sql("BEGIN")


#: Query parameters that libpq reads as secrets: psycopg hands the URL's query to libpq, so
#: ``?password=...`` works as well as ``user:password@`` and must be hidden as well.
SECRET_QUERY_KEYS = ("password", "sslpassword")
_HIDDEN = "***"


def _parse(url: str | sa.URL | sa.Engine) -> tuple[sa.URL, list[tuple[str, str]]]:
    """The URL as its author meant it, and each secret it carries with its replacement.

    A password with an ``@`` not written as ``%40`` ends, for ``make_url``, at that ``@``:
    the rest of it becomes part of the host and would be shown as such.
    """
    if isinstance(url, sa.Engine):
        url = url.url
    parsed = sa.make_url(url)
    secrets = [(str(parsed.password), _HIDDEN)] if parsed.password else []
    if parsed.host and "@" in parsed.host:
        tail, host = parsed.host.rsplit("@", 1)
        full = f"{parsed.password or ''}@{tail}"
        parsed = parsed.set(password=full, host=host)
        secrets.append((full, _HIDDEN))
        if tail:
            # Drivers quote the host back: could not translate host name "tail@host".
            secrets.append((f"{tail}@", f"{_HIDDEN}@"))
    for key in SECRET_QUERY_KEYS:
        if key in parsed.query:
            value = parsed.query[key]
            values = [value] if isinstance(value, str) else list(value)
            secrets += [(v, _HIDDEN) for v in values if v]
            parsed = parsed.update_query_dict({key: _HIDDEN})
    # Longest first, so that a secret containing another is hidden whole.
    return parsed, sorted(set(secrets), key=lambda pair: len(pair[0]), reverse=True)


def display_url(url: str | sa.URL | sa.Engine) -> str:
    """The URL with its password (and secret query parameters) replaced by ``***``."""
    try:
        parsed, _ = _parse(url)
    except (sa.exc.ArgumentError, ValueError):
        # Not even parseable: show nothing of it rather than risk showing a password.
        return "<unparseable database URL>"
    return parsed.render_as_string(hide_password=True).replace(quote_plus(_HIDDEN), _HIDDEN)


def redact(text: str, url: str | sa.URL | sa.Engine | None) -> str:
    """``text`` with every spelling of the URL's password replaced by ``***``.

    Driver messages do not normally quote the password, but a DSN echoed back in an error
    would, so any message built from an exception goes through here.
    """
    if url is None:
        return text
    try:
        _, secrets = _parse(url)
    except (sa.exc.ArgumentError, ValueError):
        return text
    for secret, hidden in secrets:
        spellings = {secret, quote(secret, safe=""), quote(secret, safe=" +"), quote_plus(secret)}
        for spelling in sorted(spellings, key=len, reverse=True):
            text = text.replace(spelling, hidden)
    return text


def error_text(exc: BaseException, url: str | sa.URL | sa.Engine | None = None) -> str:
    """A one-paragraph, password-free description of a database error.

    For statement errors this is the underlying (driver or type) error: SQLAlchemy's wrapper
    adds the SQL statement and a documentation link, which only make it longer.
    """
    inner = exc
    if isinstance(exc, sa.exc.StatementError) and exc.orig is not None:
        inner = exc.orig
    message = " ".join(str(inner).split()) or type(inner).__name__
    if len(message) > MAX_ERROR_CHARS:
        # PostgreSQL's DETAIL quotes the whole failing row, article body included.
        message = message[:MAX_ERROR_CHARS] + " ..."
    return redact(f"{type(inner).__name__}: {message}", url)


def where(url: str | sa.URL | sa.Engine) -> str:
    """Where the database lives, in words: ``host:port/db`` or the SQLite file."""
    parsed, _ = _parse(url)
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite file {parsed.database or ':memory:'}"
    host = parsed.host or "localhost (unix socket)"
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.get_backend_name()} server {host}{port}, database {parsed.database!r}"


def check_connection(engine: sa.Engine) -> None:
    """Open and close one connection; raise ``DatabaseUnavailableError`` if that fails."""
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except sa.exc.SQLAlchemyError as exc:
        # "from None": the chained driver exception would print its own message again,
        # outside our control.
        raise DatabaseUnavailableError(unavailable_message(engine, exc)) from None


def unavailable_message(engine: sa.Engine, exc: BaseException) -> str:
    return (
        f"Cannot open the database at {where(engine)} ({display_url(engine)}): "
        f"{error_text(exc, engine)}\n"
        "To fix: start that database (and create it if it does not exist), or point the "
        "crawler at a reachable one with the DATABASE_URL setting (-s DATABASE_URL=...) or "
        "environment variable; leave both unset to use the local SQLite file var/crawl.sqlite."
    )


def open_failed_message(engine: sa.Engine, exc: BaseException) -> str:
    """Why a crawl could not open the database: unreachable, or reachable but unusable."""
    if isinstance(exc, sa.exc.OperationalError | sa.exc.InterfaceError) or (
        isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated
    ):
        return unavailable_message(engine, exc)
    return (
        f"The database at {where(engine)} ({display_url(engine)}) answers but could not be "
        f"migrated or prepared for the crawl: {error_text(exc, engine)}\n"
        "To fix: run `make db-upgrade` with the same DATABASE_URL to see the migration's "
        "error on its own."
    )
