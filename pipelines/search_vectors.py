"""Comment search vectors computed by a second PostgreSQL backend while the first writes.

PostgreSQL serves each connection with one backend process, so everything a write
transaction makes the server do runs on one core. For a comment, half of it was its
search vector (``to_tsvector`` with the French stemmer), computed by the generated column
in the backend that inserts, under the storage's write lock. Since migration
``0006_comment_vectors`` the column is filled by a trigger unless the insert brings a
value, and the storage brings one: :class:`SearchVectors` asks a second connection for the
vectors of a batch's new comments in one query, sent without waiting as soon as the
batch knows which comments are new (before it writes the articles). That backend
computes them on the other core while the writing connection writes the articles, and the
COPY inserts the comments with their vectors. (Not a thread: handing the GIL back and
forth with the writer cost more than the query, and psycopg's pipeline mode waits for a
first result on ``sync()``.)
Same server, same configuration, same expression: the same lexemes the trigger would
store (tested).

The vectors travel in PostgreSQL's binary ``tsvector`` format, untouched by the client:
received as bytes, written back as bytes into the binary COPY. The texts go out as one
JSON array (``json.dumps`` is C code; psycopg dumps a ``text[]`` element by
element in Python).

Should the second connection fail, its vectors are ``None`` and the trigger computes them
on the writing backend: slower, never wrong. A database still at an earlier revision (the
column generated) gets no vectors at all.
"""

from __future__ import annotations

import contextlib
import json
import logging
import select
from collections.abc import Sequence
from typing import Any

import psycopg
import sqlalchemy as sa
from psycopg.adapt import Dumper
from psycopg.pq import DiagnosticField, ExecStatus, Format

from schemas.tables import SEARCH_CONFIG

logger = logging.getLogger(__name__)

#: The vectors of a batch's new comments, in the order of their texts.
QUERY = (
    f"SELECT to_tsvector('{SEARCH_CONFIG}', t)"
    " FROM json_array_elements_text($1::json) WITH ORDINALITY AS u(t, n) ORDER BY n"
).encode()
_JSON_OID = psycopg.postgres.types["json"].oid


class RawTsvector(bytes):
    """A ``tsvector`` in PostgreSQL's binary format, passed through as it came."""


class RawTsvectorDumper(Dumper):
    """Writes a :class:`RawTsvector` as it is, for a binary COPY whose column is typed
    ``tsvector`` (register it on the cursor; ``None`` stays a NULL)."""

    format = Format.BINARY
    oid = psycopg.postgres.types["tsvector"].oid

    def dump(self, obj: Any) -> bytes:
        return obj


class SearchVectors:
    """The second connection of one :class:`pipelines.storage.Storage` (PostgreSQL),
    opened at first use, used by one thread at a time (the storage's writer).

    It speaks libpq's asynchronous protocol through ``psycopg.pq``: :meth:`send` returns
    as soon as the query is on its way, :meth:`receive` waits for the answer in
    ``select`` (without the GIL, so a crawl's reactor thread runs meanwhile). One query
    at a time: a query sent and never received is read and dropped before the next.
    """

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._connection: psycopg.Connection[Any] | None = None
        self._awaited = 0  # texts of the query sent and not yet received
        self._writable: bool | None = None

    def writable(self, conn: sa.Connection) -> bool:
        """Whether inserts may bring ``comments.search_vector`` (the schema is at
        ``0006_comment_vectors`` or later: the column is no longer generated); asked of
        the database once, through ``conn``."""
        if self._writable is None:
            generated = conn.execute(
                sa.text(
                    "SELECT attgenerated FROM pg_attribute WHERE attrelid = 'comments'::regclass"
                    " AND attname = 'search_vector' AND NOT attisdropped"
                )
            ).scalar()
            self._writable = generated == ""
        return self._writable

    def forget_schema(self) -> None:
        """The schema may have changed (a migration ran): ask again at the next write."""
        self._writable = None

    def send(self, texts: Sequence[str | None]) -> None:
        """Ask for the vectors of ``texts``; the server starts at once."""
        try:
            if self._awaited:
                self.receive()
            pgconn = self._connect().pgconn
            pgconn.send_query_params(
                QUERY, [json.dumps(texts).encode()], param_types=[_JSON_OID], result_format=1
            )
            self._awaited = len(texts)
            while pgconn.flush():  # the connection is non-blocking: send all of it
                select.select([], [pgconn.socket], [])
        except Exception as exc:  # an optimisation only: never the write's failure
            self._give_up(exc)

    def receive(self) -> list[RawTsvector | None]:
        """The vectors asked for by the last :meth:`send`, in order; ``None`` each if the
        second connection failed (the database then computes them)."""
        expected, self._awaited = self._awaited, 0
        if self._connection is None:
            return [None] * expected
        try:
            found = self._result(self._connection.pgconn)
            if len(found) != expected:  # cannot happen; never store misplaced vectors
                raise RuntimeError(f"{len(found)} search vectors for {expected} texts")
        except Exception as exc:
            self._give_up(exc)
            return [None] * expected
        return found

    def close(self) -> None:
        if self._connection is not None:
            conn, self._connection = self._connection, None
            self._awaited = 0
            with contextlib.suppress(Exception):
                conn.close()

    @staticmethod
    def _result(pgconn: Any) -> list[RawTsvector | None]:
        rows: list[RawTsvector | None] = []
        error = None
        while True:
            pgconn.consume_input()
            if pgconn.is_busy():
                select.select([pgconn.socket], [], [])
                continue
            result = pgconn.get_result()
            if result is None:  # the query's end: the connection is free again
                break
            if result.status != ExecStatus.TUPLES_OK:
                error = result.get_error_field(DiagnosticField.MESSAGE_PRIMARY)
                continue
            for row in range(result.ntuples):
                value = result.get_value(row, 0)
                rows.append(None if value is None else RawTsvector(value))
        if error is not None:
            raise psycopg.DatabaseError((error or b"?").decode(errors="replace"))
        return rows

    def _connect(self) -> psycopg.Connection[Any]:
        if self._connection is None:
            # Through the engine (its URL, connect arguments and hooks), then out of its
            # pool: this connection lives in autocommit mode, never in a transaction.
            pooled = self.engine.raw_connection()
            conn = pooled.driver_connection
            pooled.detach()
            conn.autocommit = True
            self._connection = conn
        return self._connection

    def _give_up(self, exc: BaseException) -> None:
        logger.warning(
            "Computing comment search vectors on a second connection failed (%s); the"
            " database computes them while inserting",
            exc,
        )
        self.close()
