"""Publish dbt's marts to gold: each mart becomes the Delta table `<lake>/gold/<name>`.

Every registry table of layer gold has a mart relation `marts.<name>` in the dbt DuckDB file
(the mart models' aliases). Each table is replaced in ONE Delta commit (`lake.io.overwrite`), so
a dashboard reader sees the previous or the new version, never a half-written one. Rows are
sorted so that the same marts always give byte-for-byte the same table contents: the large
tables by their unique key (dbt tests it; sorting by every column costs ~3x more), the small
aggregates by all columns.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from beaconlake.settings import get_settings
from lake import io
from lake.registry import TABLES, Table

MARTS_SCHEMA = "marts"
# Unique keys of the large gold tables (dbt's unique tests on the marts guarantee them).
SORT_KEYS = {"sessions": ("project_id", "session_id"), "page_views": ("project_id", "event_id")}


def gold_tables() -> list[Table]:
    """The registry's gold tables, in registry order."""
    return [t for t in TABLES.values() if t.layer == "gold"]


def _read_mart(con: duckdb.DuckDBPyConnection, table: Table):
    cols = ", ".join(f'"{c}"' for c in table.columns)
    key = SORT_KEYS.get(table.name)
    order = ", ".join(f'"{c}"' for c in key) if key else "all"
    sql = f'select {cols} from {MARTS_SCHEMA}."{table.name}" order by {order}'
    try:
        return con.sql(sql).to_arrow_table()
    except duckdb.CatalogException as e:
        raise RuntimeError(
            f"mart {MARTS_SCHEMA}.{table.name} is missing from the dbt build: run dbt build first"
        ) from e


def publish_gold(root: str | None = None, duckdb_path: str | Path | None = None) -> dict[str, int]:
    """Write every mart to gold, one commit per table; returns rows written per table."""
    path = Path(duckdb_path or get_settings().duckdb_path)
    if not path.exists():
        raise FileNotFoundError(f"no dbt build at {path}: run dbt build first")
    counts: dict[str, int] = {}
    con = duckdb.connect(str(path), read_only=True)
    try:
        con.execute("set TimeZone = 'UTC'")
        data = {t.name: _read_mart(con, t) for t in gold_tables()}
    finally:
        con.close()  # release the file before the (slower) Delta writes
    for table in gold_tables():
        io.overwrite(table, data[table.name], root=root)
        counts[table.name] = data[table.name].num_rows
    return counts
