"""Alembic environment: which database to migrate and how.

The database is, in order: a connection handed over by ``schemas.migrate`` (in
``config.attributes["connection"]``), ``-x url=...`` on the alembic command line, or the
crawler's own choice (``schemas.database_url.database_url()``: DATABASE_URL, else the SQLite file).
"""

from __future__ import annotations

from logging.config import fileConfig

import sqlalchemy as sa
from alembic import context

from schemas.database_url import database_url
from schemas.engine import create_engine
from schemas.migrate import lock_in_transaction, migration_lock
from schemas.tables import in_metadata_comparison, metadata

config = context.config
target_metadata = metadata


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url")
    return database_url({"DATABASE_URL": url})


def _configure(**kwargs: object) -> None:
    context.configure(
        target_metadata=target_metadata,
        compare_type=True,
        # The search index is documented in schemas.tables, outside ``metadata``.
        include_name=in_metadata_comparison,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=kwargs.pop("dialect_name") == "sqlite",
        **kwargs,
    )


def run_offline() -> None:
    url = _url()
    _configure(url=url, literal_binds=True, dialect_name=sa.make_url(url).get_backend_name())
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        # The caller owns the connection and its transaction (schemas.migrate).
        _configure(connection=connection, dialect_name=connection.dialect.name)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(_url(), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            # As in schemas.migrate: table rebuilds on SQLite must not cascade deletes.
            if conn.dialect.name == "sqlite":
                conn.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")
            _configure(connection=conn, dialect_name=conn.dialect.name)
            # As in schemas.migrate: one migration of a database at a time.
            with migration_lock(conn), context.begin_transaction():
                lock_in_transaction(conn)
                context.run_migrations()
    finally:
        engine.dispose()


# Only the alembic command line gets the ini file's logging setup: when the crawler or the
# tests migrate in-process, reconfiguring logging would silence their loggers.
if config.config_file_name is not None and "connection" not in config.attributes:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

if context.is_offline_mode():
    run_offline()
else:
    run_online()
