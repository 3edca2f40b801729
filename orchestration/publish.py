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

Unchanged tables are not rewritten: a mart table of at most FINGERPRINT_MAX_ROWS rows (the
aggregates) gets a fingerprint of its content, stored in its publish commit's info; when the
gold table's latest commit carries the same fingerprint, gold already holds exactly these rows
and no commit is made (dashboards keep their cached results for it). The large fact tables are
always rewritten: they change with every batch that has events, and at 10 M events the batch's
changed rows lie on 30 of 31 days (first identifies re-attribute old sessions), so no
partition- or key-range replace would rewrite less (docs/benchmarks.md, issue 4).

Parquet statistics are written only for project_id and the time columns (`_writer_properties`):
rows are not sorted, so min/max of an id, a path or a dimension span every value in each row
group and no reader can skip by them, while computing them was ~20-30 % of a fact table's write
CPU. Delta's file statistics for those columns are then unknown (null): readers read the file.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pyarrow as pa
from deltalake import ColumnProperties, WriterProperties

from beaconlake.settings import get_settings
from lake import io
from lake.registry import TABLES, Table

MARTS_SCHEMA = "marts"
WORKERS = 2  # tables written at a time
BATCH_ROWS = 1 << 17  # rows per Arrow batch from DuckDB (1 M: same time, more memory)
# Marts up to this many rows are fingerprinted (ms for the aggregates); above it the hash costs
# ~20-30 % of the write (sessions 0.8, page_views 1.6-2 CPU-s at 10 M) and rarely saves one.
FINGERPRINT_MAX_ROWS = 100_000
FINGERPRINT_KEY = "beaconlake.mart_fingerprint"
FINGERPRINT_VERSION = "1"  # bump when the fingerprint's definition changes


class PublishResult(dict[str, int]):
    """Rows of each gold table after the publish; `skipped`: tables left as they were."""

    def __init__(self, rows: dict[str, int], skipped: list[str]) -> None:
        super().__init__(rows)
        self.skipped = skipped


def gold_tables() -> list[Table]:
    """The registry's gold tables, in registry order."""
    return [t for t in TABLES.values() if t.layer == "gold"]


def _mart_sizes(con: duckdb.DuckDBPyConnection) -> dict[str, int | None]:
    """Every relation of the marts schema → DuckDB's row estimate (None for views)."""
    rows = con.execute(
        "select t.table_name, d.estimated_size from information_schema.tables t "
        "left join duckdb_tables() d on d.database_name = t.table_catalog "
        "and d.schema_name = t.table_schema and d.table_name = t.table_name "
        "where t.table_catalog = current_database() and t.table_schema = $s",
        {"s": MARTS_SCHEMA},
    ).fetchall()
    return {name: None if size is None else int(size) for name, size in rows}


def _counted(reader: pa.RecordBatchReader, rows: list[int]) -> pa.RecordBatchReader:
    """The same stream, adding each batch's rows to rows[0] as delta-rs pulls it."""

    def batches():  # type: ignore[no-untyped-def]
        for batch in reader:
            rows[0] += batch.num_rows
            yield batch

    return pa.RecordBatchReader.from_batches(reader.schema, batches())


def _writer_properties(table: Table) -> WriterProperties:
    """Snappy (delta-rs's default), statistics only where a reader can skip by them."""
    keep = table.stats_columns or []  # the table's delta.dataSkippingStatsColumns
    return WriterProperties(
        compression="SNAPPY",
        default_column_properties=ColumnProperties(statistics_enabled="NONE"),
        column_properties={c: ColumnProperties(statistics_enabled="PAGE") for c in keep},
    )


def _fingerprint(cur: duckdb.DuckDBPyConnection, table: Table) -> tuple[str, int]:
    """(digest, rows) of the mart's content as publish writes it: the registry schema, the
    mart's column types, its row count and the sum of its rows' hashes (a multiset hash: row
    order does not count, a changed, added, lost or duplicated row does, but for a 2^-64
    chance). DuckDB's hash equates 0.0 and -0.0 (and NaN signs), so each double's sign bit is
    hashed too: gold gets the bytes a full publish would write."""
    src = f'{MARTS_SCHEMA}."{table.name}"'
    cols = [f'"{c}"' for c in table.columns]
    types = [str(t) for t in cur.sql(f"select {', '.join(cols)} from {src}").types]
    signs = [f"signbit({c})" for c, t in zip(cols, types, strict=True) if t == "DOUBLE"]
    ((rows, total),) = cur.execute(
        f"select count(*), coalesce(sum(hash({', '.join(cols + signs)})), 0) from {src}"
    ).fetchall()  # fetchall: a result left open would block the cursor's next query
    text = "|".join(
        [FINGERPRINT_VERSION, table.schema.to_string(), ",".join(table.partition_by),
         ",".join(types), str(rows), str(total)]
    )  # fmt: skip
    return hashlib.sha256(text.encode()).hexdigest(), int(rows)


def _publish_one(
    con: duckdb.DuckDBPyConnection, table: Table, root: str | None, fingerprint: bool
) -> tuple[int, bool]:
    """Stream one mart into its gold table (one commit) on a cursor of its own, unless its
    fingerprint shows gold already holds it; returns (rows, written)."""
    # A gold table written by an older version may lack its statistics columns property
    # (`Table.stats_columns`); setting it is a commit, so the fingerprint below no longer
    # matches and the table is rewritten with the statistics its property names.
    io.ensure_properties(io.ensure_table(table, root), table)
    cur = con.cursor()
    rel = reader = None
    try:
        metadata = None
        if fingerprint:
            digest, rows_now = _fingerprint(cur, table)
            if io.last_commit_metadata(table, FINGERPRINT_KEY, root) == digest:
                return rows_now, False
            metadata = {FINGERPRINT_KEY: digest}
        cols = ", ".join(f'"{c}"' for c in table.columns)
        rel = cur.sql(f'select {cols} from {MARTS_SCHEMA}."{table.name}"')
        reader = rel.to_arrow_reader(BATCH_ROWS)
        rows = [0]
        io.overwrite(
            table,
            _counted(reader, rows),
            root=root,
            commit_metadata=metadata,
            writer_properties=_writer_properties(table),
        )
        return rows[0], True
    finally:
        # After a failed write the traceback's frames still reference the stream and the
        # relation, and each keeps the DuckDB database (and its file lock) alive until the
        # garbage collector runs: the next dbt build could not open the file. Release both now.
        if reader is not None:
            reader.close()
        rel = None
        cur.close()


def publish_gold(root: str | None = None, duckdb_path: str | Path | None = None) -> PublishResult:
    """Bring every gold table to its mart's rows, one commit per changed table; returns the
    rows per table (registry order) and which tables were unchanged and left alone."""
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
        order = sorted(gold_tables(), key=lambda t: -(sizes[t.name] or 0))
        small = {
            n for n, size in sizes.items() if size is not None and size <= FINGERPRINT_MAX_ROWS
        }
        with ThreadPoolExecutor(WORKERS, thread_name_prefix="publish") as pool:
            futures = {
                t.name: pool.submit(_publish_one, con, t, root, t.name in small) for t in order
            }
            try:
                counts = {name: f.result() for name, f in futures.items()}
            except BaseException:
                pool.shutdown(cancel_futures=True)  # start no other table; finish running ones
                raise
    finally:
        con.close()
    return PublishResult(
        {t.name: counts[t.name][0] for t in gold_tables()},
        [t.name for t in gold_tables() if not counts[t.name][1]],
    )
