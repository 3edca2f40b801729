"""Open, create, append to and read the registry's Delta tables.

Appends carry a Delta app transaction (app_id, version) so that a retried append is skipped
rather than doubled: delta-rs does not skip it by itself, and a write can raise after its commit
landed, so `append` checks `transaction_version` before and after trying.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterable, Iterator

import pyarrow as pa
import pyarrow.compute as pc
from deltalake import CommitProperties, DeltaTable, Transaction, WriterProperties, write_deltalake
from deltalake.exceptions import TableNotFoundError

from beaconlake.settings import get_settings
from lake.registry import Table


def lake_root(root: str | None = None) -> str:
    """The lake root without a trailing slash; local paths are made absolute."""
    root = root or get_settings().lake_uri
    if "://" not in root:
        root = os.path.abspath(root)
    return root.rstrip("/")


def is_local(root: str | None = None) -> bool:
    r = lake_root(root)
    return "://" not in r or r.startswith("file://")


def table_uri(table: Table, root: str | None = None) -> str:
    return f"{lake_root(root)}/{table.path}"


def storage_options(root: str | None = None) -> dict[str, str] | None:
    """Object-store options: delta-rs reads AWS_* itself; allow plain-HTTP endpoints (MinIO)."""
    if is_local(root):
        return None
    opts: dict[str, str] = {}
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if endpoint and endpoint.startswith("http://"):
        opts["AWS_ALLOW_HTTP"] = "true"
    return opts or None


def open_table(table: Table, root: str | None = None) -> DeltaTable | None:
    """The table at its latest version, or None where it does not exist yet."""
    try:
        return DeltaTable(table_uri(table, root), storage_options=storage_options(root))
    except TableNotFoundError:
        return None


def ensure_table(table: Table, root: str | None = None) -> DeltaTable:
    """Open the table, creating it empty with its registry schema and properties when
    missing (the collector creates bronze: its first day must checkpoint too)."""
    dt = open_table(table, root)
    if dt is not None:
        return dt
    if is_local(root):
        os.makedirs(table_uri(table, root), exist_ok=True)
    try:
        return DeltaTable.create(
            table_uri(table, root),
            schema=table.schema,
            partition_by=list(table.partition_by) or None,
            mode="ignore",
            name=table.name,
            description=table.description or None,
            configuration=table.properties,
            storage_options=storage_options(root),
        )
    except Exception:
        # Another process created it between our check and our create.
        dt = open_table(table, root)
        if dt is None:
            raise
        return dt


def conform(table: Table, data: pa.Table | pa.RecordBatch | Iterable[dict]) -> pa.Table:
    """Cast data to the table's schema (columns in registry order); missing nullable = null."""
    if not isinstance(data, pa.Table | pa.RecordBatch):
        data = pa.Table.from_pylist(list(data))
    if isinstance(data, pa.RecordBatch):
        data = pa.Table.from_batches([data])
    cols = []
    for f in table.schema:
        if f.name in data.column_names:
            cols.append(data.column(f.name).cast(f.type))
        elif f.nullable:
            cols.append(pa.nulls(data.num_rows, f.type))
        else:
            raise ValueError(f"{table.name}: required column {f.name!r} is missing")
    return pa.Table.from_arrays(cols, schema=table.schema)


def append(
    table: Table,
    data: pa.Table,
    *,
    app_id: str | None = None,
    version: int | None = None,
    root: str | None = None,
    retries: int = 3,
) -> bool:
    """Append rows in one commit. Returns False when (app_id, version) was already committed."""
    data = conform(table, data)
    dt = ensure_table(table, root)
    props = None
    if app_id is not None and version is not None:
        if (dt.transaction_version(app_id) or -1) >= version:
            return False
        props = CommitProperties(app_transactions=[Transaction(app_id, version)])
    for attempt in range(retries + 1):
        try:
            write_deltalake(
                dt,
                data,
                mode="append",
                partition_by=list(table.partition_by) or None,
                commit_properties=props,
            )
            return True
        except Exception:
            if app_id is not None and version is not None:
                dt = open_table(table, root) or dt
                if (dt.transaction_version(app_id) or -1) >= version:
                    return True  # the commit landed before the error surfaced
            if attempt == retries:
                raise
            time.sleep(0.05 * 2**attempt)
    return True  # unreachable


def conform_stream(table: Table, reader: pa.RecordBatchReader) -> pa.RecordBatchReader:
    """`conform` batch by batch, so a stream is cast without being held in memory whole."""

    def batches() -> Iterator[pa.RecordBatch]:
        for batch in reader:
            yield from conform(table, batch).to_batches()

    return pa.RecordBatchReader.from_batches(table.schema, batches())


def ensure_properties(dt: DeltaTable, table: Table) -> bool:
    """Set the table's registry properties (`Table.properties`) where its log differs, e.g. on
    a table created by an older version; True when a commit was made."""
    config = dt.metadata().configuration
    missing = {k: v for k, v in table.properties.items() if config.get(k) != v}
    if missing:
        dt.alter.set_table_properties(missing)
    return bool(missing)


def overwrite(
    table: Table,
    data: pa.Table | pa.RecordBatchReader,
    root: str | None = None,
    commit_metadata: dict[str, str] | None = None,
    writer_properties: WriterProperties | None = None,
) -> None:
    """Replace the table's contents in one commit: readers see the old or the new version.

    A RecordBatchReader is written as it is read (delta-rs commits once, after its last file),
    so the producer and the Parquet encoder overlap and the rows are never all in memory.
    `commit_metadata` goes into the commit's info (`last_commit_metadata` reads it back);
    `writer_properties` replace delta-rs's default Parquet settings (Snappy).
    """
    if isinstance(data, pa.RecordBatchReader):
        data = conform_stream(table, data)
    else:
        data = conform(table, data)
    ensure_table(table, root)
    write_deltalake(
        table_uri(table, root),
        data,
        mode="overwrite",
        partition_by=list(table.partition_by) or None,
        schema_mode="overwrite",
        storage_options=storage_options(root),
        commit_properties=CommitProperties(custom_metadata=commit_metadata)
        if commit_metadata
        else None,
        **({"writer_properties": writer_properties} if writer_properties else {}),
    )


def last_commit_metadata(table: Table, key: str, root: str | None = None) -> str | None:
    """`key` of the table's latest commit info (None: absent table or key not in that commit).

    Only the latest commit counts: any later writer (a delete, an optimize) makes it None.
    """
    dt = open_table(table, root)
    if dt is None:
        return None
    last = dt.history(1)
    value = last[0].get(key) if last else None
    return value if isinstance(value, str) else None


def read_arrow(
    table: Table,
    columns: list[str] | None = None,
    filters: list[tuple] | None = None,
    root: str | None = None,
) -> pa.Table:
    """Read (part of) a table as Arrow; an absent table reads as empty with its schema."""
    dt = open_table(table, root)
    if dt is None:
        empty = table.schema.empty_table()
        return empty.select(columns) if columns else empty
    ds = dt.to_pyarrow_dataset()
    expr = None
    if filters:
        import pyarrow.compute as pc

        ops = {
            "=": lambda f, v: f == v,
            "!=": lambda f, v: f != v,
            ">": lambda f, v: f > v,
            ">=": lambda f, v: f >= v,
            "<": lambda f, v: f < v,
            "<=": lambda f, v: f <= v,
            "in": lambda f, v: f.isin(v),
        }
        for col, op, val in filters:
            term = ops[op](pc.field(col), val)
            expr = term if expr is None else expr & term
    try:
        return ds.to_table(columns=columns, filter=expr)
    except pa.ArrowNotImplementedError:
        # delta-rs's delete/update/merge write string_view files (delta-rs #4579), which
        # PyArrow cannot filter against string literals: read the columns, filter in memory.
        wanted = list(
            dict.fromkeys([*(columns or ds.schema.names), *(f[0] for f in filters or [])])
        )
        return ds.to_table(columns=wanted).filter(expr).select(columns or ds.schema.names)


def newest_received_at(table: DeltaTable) -> dt.datetime | None:
    """The newest `received_at` of a table from its log's file statistics (no data file read;
    delta-rs keeps them to the millisecond, rounded down). None when the table holds no rows,
    or when a file with rows has no such statistic: then nothing safe to go by."""
    adds = pa.table(table.get_add_actions(flatten=True))
    adds = adds.filter(pc.greater(adds["num_records"], 0)) if adds.num_rows else adds
    if adds.num_rows == 0 or "max.received_at" not in adds.column_names:
        return None
    stats = adds["max.received_at"]
    return None if stats.null_count else pc.max(stats).as_py()
