"""A DB-API connection over one existing DuckDB connection, for SQLAlchemy (`creator=`).

Why: great-expectations' SQL engine runs a query, closes its SQLAlchemy connection (which rolls
back the transaction) and only then fetches the rows. psycopg2 and sqlite3 buffer rows on the
client, so that works for them; duckdb-engine's cursor shares the DuckDB connection, and in
DuckDB 2.0 the ROLLBACK discards the pending result: every metric came back empty ("list index
out of range"). This cursor fetches a statement's rows as soon as it has run, so they outlive
the rollback. Check queries return aggregates and at most a few sample rows, so buffering is
cheap. Wrapping an existing connection (not a URL) lets SQLAlchemy see the in-memory views over
the lake's Parquet files that `lake.duck` created, without writing a database file anywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import duckdb
from duckdb_engine import ConnectionWrapper, CursorWrapper


class BufferedCursor:
    """duckdb-engine's cursor, but the rows are fetched when the statement runs."""

    def __init__(self, con: duckdb.DuckDBPyConnection, connection: BufferedConnection) -> None:
        self._inner = CursorWrapper(con, connection)
        self._connection = connection
        self._rows: list[tuple] = []
        self._pos = 0
        self.description: Sequence[tuple] | None = None
        self.rowcount = -1
        self.arraysize = 1

    @property
    def connection(self) -> BufferedConnection:
        return self._connection

    def execute(self, statement: str, parameters: Any = None, context: Any = None) -> None:
        self._inner.execute(statement, parameters, context)
        # Type codes as text: DuckDBPyType objects cached by SQLAlchemy outlive the module and
        # make nanobind print "leaked instances" at interpreter exit.
        desc = self._inner.description
        self.description = [(d[0], str(d[1]), *d[2:]) for d in desc] if desc else None
        self._rows = self._inner.fetchall() if self.description else []
        self._pos = 0
        self.rowcount = len(self._rows) if self.description else -1

    def executemany(self, statement: str, parameters: Any = None, context: Any = None) -> None:
        self._inner.executemany(statement, parameters, context)
        self.description, self._rows, self._pos = None, [], 0

    def fetchmany(self, size: int | None = None) -> list[tuple]:
        end = self._pos + (self.arraysize if size is None else size)
        out, self._pos = self._rows[self._pos : end], min(end, len(self._rows))
        return out

    def fetchone(self) -> tuple | None:
        rows = self.fetchmany(1)
        return rows[0] if rows else None

    def fetchall(self) -> list[tuple]:
        out, self._rows, self._pos = self._rows[self._pos :], [], 0
        return out

    def close(self) -> None:
        self._rows, self._pos = [], 0


class BufferedConnection(ConnectionWrapper):
    """A connection whose cursors buffer their rows; closing it leaves the DuckDB connection open
    (its owner closes it), so several SQLAlchemy engines can share one set of views."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        super().__init__(con)
        self._con = con

    def cursor(self) -> BufferedCursor:  # type: ignore[override]
        return BufferedCursor(self._con, self)

    def close(self) -> None:
        self.closed = True
