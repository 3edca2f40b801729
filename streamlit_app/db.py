"""Locked-down, in-memory DuckDB connections over the lake's Delta tables.

Views read each table's current Delta file list with `read_parquet([...])` (as `lake.duck`
does). Only after the views exist is file access switched off: `allowed_paths` holds exactly
those files, `enable_external_access=false` blocks every other path (COPY, ATTACH, read_csv),
and `lock_configuration` stops a query from switching it back on (checked on DuckDB 2.0).
Overwriting a Delta table leaves its old files in place until a vacuum, so a snapshot stays
readable while the pipeline rewrites gold.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from lake import duck
from lake.io import is_local, lake_root, open_table
from lake.registry import TABLES, UTC_TS
from streamlit_app import idhash, rollup

SNAPSHOT_TTL_S = 2.0  # a shared snapshot's Delta versions are checked at most this often
IDLE_S = 600.0  # a snapshot nobody asked for in this long is dropped
_LOCK = threading.Lock()
_SNAPSHOTS: dict[tuple, tuple[float, tuple[int, ...], duckdb.DuckDBPyConnection]] = {}
_BUILDS: dict[tuple, threading.Lock] = {}


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _files(name: str, root: str, since: dt.date | None) -> list[str] | None:
    """The table's current files (None: absent or not local), pruned to partitions >= since."""
    table = TABLES[name]
    delta = open_table(table, root)
    if delta is None or not is_local(root):
        return None
    if since is not None and table.partition_by:
        pred = [(table.partition_by[0], ">=", since.isoformat())]
        files = delta.file_uris(partition_filters=pred)
    else:
        files = delta.file_uris()
    return [f.removeprefix("file://") for f in files]


_DUCK_TYPES = {
    pa.string(): "varchar",
    pa.int64(): "bigint",
    pa.int32(): "integer",
    pa.float64(): "double",
    pa.bool_(): "boolean",
    pa.date32(): "date",
    UTC_TS: "timestamptz",
}


def _empty_select(schema: pa.Schema) -> str:
    """A zero-row SELECT with the schema's columns and types (visible to every cursor)."""
    cols = ", ".join(f'null::{_DUCK_TYPES.get(f.type, "varchar")} as "{f.name}"' for f in schema)
    return f"select {cols} where false"


def connect(
    tables: Iterable[str],
    root: str | None = None,
    since: dt.date | None = None,
    memory_limit: str = "1GB",
    hashed: bool = False,
) -> duckdb.DuckDBPyConnection:
    """A fresh connection with one view per table, then file access off and config locked.

    `hashed` (sessions, page_views): also `<table>_h` with the id hashes of `idhash` and
    `<table>_hourly` of `rollup`, kept in memory when the connection is a shared snapshot.
    """
    root = lake_root(root)
    con = duckdb.connect(config={"memory_limit": memory_limit})
    con.execute("set TimeZone = 'UTC'")
    # A snapshot lives as long as its Delta version: keep the files' Parquet footers in memory.
    con.execute("set parquet_metadata_cache = true")
    allowed: list[str] = []
    hashed_views: list[tuple[str, bool]] = []
    for name in tables:
        table = TABLES[name]
        files = _files(name, root, since)
        if hashed and name in idhash.HASHES:
            hashed_views.append((name, bool(files)))
        if files:
            hive = ", hive_partitioning = true" if table.partition_by else ""
            paths = ", ".join(_quote(f) for f in files)
            con.execute(
                f'create view "{name}" as select * from '
                f"read_parquet([{paths}], union_by_name = true{hive})"
            )
            allowed.extend(files)
        elif files is None and not is_local(root):
            # Object store: lake.duck's Arrow dataset view (connection-scoped: no cursors).
            duck.register(con, table, root)
        else:
            # Absent, or no file in the pruned partitions: empty, with the registry's schema.
            con.execute(f'create view "{name}" as {_empty_select(table.schema)}')
    for name, cached in hashed_views:
        idhash.add_view(con, name, cached)
        rollup.add(con, name, cached)
    if allowed:
        con.execute("set allowed_paths = $p", {"p": allowed})
    con.execute("set enable_external_access = false")
    con.execute("set lock_configuration = true")
    return con


def versions(tables: Sequence[str], root: str | None = None) -> tuple[int, ...]:
    """The tables' Delta versions as a snapshot sees them (a cache key for derived data)."""
    return _versions(tables, lake_root(root))


def _versions(tables: Sequence[str], root: str) -> tuple[int, ...]:
    """Each table's newest Delta commit number, from a listing of its _delta_log (local lakes).

    Costs a directory listing per table, far less than opening the tables, so a snapshot can be
    kept for as long as gold is unchanged (minutes between micro-batches) instead of rebuilt.
    """
    out = []
    for name in tables:
        try:
            names = os.listdir(os.path.join(root, TABLES[name].path, "_delta_log"))
        except OSError:
            out.append(-1)
            continue
        commits = [int(n[:-5]) for n in names if n.endswith(".json") and n[:-5].isdigit()]
        out.append(max(commits, default=-1))
    return tuple(out)


def snapshot(
    tables: Sequence[str],
    root: str | None = None,
    since: dt.date | None = None,
    hashed: bool = False,
) -> duckdb.DuckDBPyConnection:
    """A cursor on a shared connection for these tables at their current Delta versions.

    The connection (its views, DuckDB's caches) is reused while no table has a new commit;
    versions are checked at most every SNAPSHOT_TTL_S, so a new commit shows within that time.
    """
    root = lake_root(root)
    key = (root, tuple(sorted(tables)), since, hashed)
    if not is_local(root):  # Arrow-dataset views are not shared by cursors
        return connect(key[1], root, since, hashed=hashed)
    now = time.monotonic()
    with _LOCK:
        hit = _SNAPSHOTS.get(key)
        if hit is not None and now - hit[0] <= SNAPSHOT_TTL_S:
            return hit[2].cursor()
    with _LOCK:  # one build per key at a time (a hashed one costs a scan): others wait, reuse it
        build = _BUILDS.setdefault(key, threading.Lock())
    with build:
        versions = _versions(key[1], root)  # outside _LOCK: other pages keep querying
        with _LOCK:
            hit = _SNAPSHOTS.get(key)
            if hit is not None and hit[1] == versions:
                _SNAPSHOTS[key] = (now, versions, hit[2])
                return hit[2].cursor()
            for old in [k for k, (t, _, _) in _SNAPSHOTS.items() if now - t > IDLE_S]:
                del _SNAPSHOTS[old]  # other lakes/tables too: don't keep idle connections
        con = connect(key[1], root, since, hashed=hashed)
        with _LOCK:
            _SNAPSHOTS[key] = (now, versions, con)  # the old one closes with its last cursor
    return con.cursor()


def query(
    sql: str,
    params: dict[str, Any] | None,
    tables: Sequence[str],
    root: str | None = None,
    since: dt.date | None = None,
    hashed: bool = False,
    arrow: dict[str, pa.Table] | None = None,
) -> pd.DataFrame:
    """Run one parameterised query on a snapshot; every filter value is a bound parameter.

    `arrow`: Arrow tables the query reads by these names (registered on its cursor only)."""

    def fetch(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
        for name, table in (arrow or {}).items():
            cur.register(name, table)
        return cur.execute(sql, params or {}).df()

    return _run(fetch, tables, root, since, hashed)


def query_arrow(
    sql: str,
    params: dict[str, Any] | None,
    tables: Sequence[str],
    root: str | None = None,
    hashed: bool = False,
) -> pa.Table:
    """As `query`, as an Arrow table: numpy reads its number columns without a copy."""
    fetch = lambda cur: cur.sql(sql, params=params or {}).to_arrow_table()  # noqa: E731
    return _run(fetch, tables, root, None, hashed)


def _run(
    fetch: Callable[[duckdb.DuckDBPyConnection], Any],
    tables: Sequence[str],
    root: str | None,
    since: dt.date | None = None,
    hashed: bool = False,
) -> Any:
    cur = snapshot(tables, root, since, hashed)
    try:
        return fetch(cur)
    except duckdb.IOException:
        # A vacuum removed files of our snapshot: retry once on a fresh one.
        with _LOCK:
            _SNAPSHOTS.pop((lake_root(root), tuple(sorted(tables)), since, hashed), None)
        return fetch(snapshot(tables, root, since, hashed))
    finally:
        cur.close()


def run_untrusted(
    sql: str, tables: Sequence[str], root: str | None, row_limit: int, timeout_s: float
) -> tuple[pd.DataFrame, bool]:
    """A user's SQL on its own connection: first row_limit rows, interrupted after timeout_s.

    Returns (rows, truncated). Its own connection so that a user's CREATE VIEW cannot shadow
    the views other pages read.
    """
    con = connect(tables, root, memory_limit="1GB")
    timer = threading.Timer(timeout_s, con.interrupt)
    timer.start()
    try:
        res = con.execute(sql)
        if res.description is None:
            return pd.DataFrame(), False
        cols = [d[0] for d in res.description]
        rows = res.fetchmany(row_limit + 1)
        return pd.DataFrame(rows[:row_limit], columns=cols), len(rows) > row_limit
    finally:
        timer.cancel()
        con.close()
