"""Publish dbt's marts to gold: each mart becomes the Delta table `<lake>/gold/<name>`.

Every registry table of layer gold has a mart relation `marts.<name>` in the dbt DuckDB file
(the mart models' aliases). Each table is replaced in ONE Delta commit (`lake.io.overwrite`), so
a dashboard reader sees the previous or the new version, never a half-written one.

Speed (docs/benchmarks.md, "publish gold"): rows are not sorted (no reader needs an order, and
sorting sessions and page_views by key was ~3.8 s of a ~12 s publish at 10 M); each mart is
streamed from DuckDB into delta-rs's writer, so no table is held in memory whole; two tables are
written at a time (DuckDB and delta-rs release the GIL), largest first, so page_views and
sessions run side by side. The DuckDB file stays open read-only until the last write: every
caller holds the pipeline lock (orchestration.lock), so no dbt run wants it meanwhile.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pyarrow as pa

from beaconlake.settings import get_settings
from lake import io
from lake.registry import TABLES, Table

MARTS_SCHEMA = "marts"
WORKERS = 2  # tables written at a time
BATCH_ROWS = 1 << 17  # rows per Arrow batch from DuckDB (1 M: same time, more memory)


def gold_tables() -> list[Table]:
    """The registry's gold tables, in registry order."""
    return [t for t in TABLES.values() if t.layer == "gold"]


def _mart_sizes(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Every relation of the marts schema → DuckDB's row estimate (0 for views)."""
    rows = con.execute(
        "select t.table_name, coalesce(d.estimated_size, 0) from information_schema.tables t "
        "left join duckdb_tables() d on d.database_name = t.table_catalog "
        "and d.schema_name = t.table_schema and d.table_name = t.table_name "
        "where t.table_catalog = current_database() and t.table_schema = $s",
        {"s": MARTS_SCHEMA},
    ).fetchall()
    return {name: int(size) for name, size in rows}


def _counted(reader: pa.RecordBatchReader, rows: list[int]) -> pa.RecordBatchReader:
    """The same stream, adding each batch's rows to rows[0] as delta-rs pulls it."""

    def batches():  # type: ignore[no-untyped-def]
        for batch in reader:
            rows[0] += batch.num_rows
            yield batch

    return pa.RecordBatchReader.from_batches(reader.schema, batches())


def _publish_one(con: duckdb.DuckDBPyConnection, table: Table, root: str | None) -> int:
    """Stream one mart into its gold table (one commit) on a cursor of its own; returns rows."""
    cur = con.cursor()
    rel = reader = None
    try:
        cols = ", ".join(f'"{c}"' for c in table.columns)
        rel = cur.sql(f'select {cols} from {MARTS_SCHEMA}."{table.name}"')
        reader = rel.to_arrow_reader(BATCH_ROWS)
        rows = [0]
        io.overwrite(table, _counted(reader, rows), root=root)
        return rows[0]
    finally:
        # After a failed write the traceback's frames still reference the stream and the
        # relation, and each keeps the DuckDB database (and its file lock) alive until the
        # garbage collector runs: the next dbt build could not open the file. Release both now.
        if reader is not None:
            reader.close()
        rel = None
        cur.close()


def publish_gold(root: str | None = None, duckdb_path: str | Path | None = None) -> dict[str, int]:
    """Write every mart to gold, one commit per table; returns rows written per table."""
    path = Path(duckdb_path or get_settings().duckdb_path)
    if not path.exists():
        raise FileNotFoundError(f"no dbt build at {path}: run dbt build first")
    con = duckdb.connect(str(path), read_only=True)
    try:
        con.execute("set TimeZone = 'UTC'")
        sizes = _mart_sizes(con)
        missing = [t.name for t in gold_tables() if t.name not in sizes]
        if missing:  # before any write: a partial build publishes nothing
            raise RuntimeError(
                f"marts {', '.join(missing)} missing from the dbt build in schema "
                f"{MARTS_SCHEMA}: run dbt build first"
            )
        order = sorted(gold_tables(), key=lambda t: -sizes[t.name])
        with ThreadPoolExecutor(WORKERS, thread_name_prefix="publish") as pool:
            futures = {t.name: pool.submit(_publish_one, con, t, root) for t in order}
            try:
                counts = {name: f.result() for name, f in futures.items()}
            except BaseException:
                pool.shutdown(cancel_futures=True)  # start no other table; finish running ones
                raise
    finally:
        con.close()
    return {t.name: counts[t.name] for t in gold_tables()}
