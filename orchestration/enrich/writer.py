"""Silver commits, each carrying the cursor as a Delta app transaction.

New events are appended (streamed from DuckDB, one commit); when a batch also rewrites earlier
rows' person_id the new rows and the rewrites go in ONE merge commit, so the cursor, the rows
and the rewrites land together or not at all. A commit whose app transaction is already in the
table is skipped (a retried run), and an error after a landed commit is recognised the same way.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pyarrow as pa
from deltalake import CommitProperties, Transaction, write_deltalake

from lake.io import ensure_table, open_table
from lake.registry import Table


def cast_reader(
    table: Table, reader: pa.RecordBatchReader, counter: list[int] | None = None
) -> pa.RecordBatchReader:
    """The reader's batches cast to the registry schema (names, types, nullability); rows
    passed through are added to counter[0]."""

    def batches() -> Iterator[pa.RecordBatch]:
        for batch in reader:
            if counter is not None:
                counter[0] += batch.num_rows
            yield batch.select(table.columns).cast(table.schema)

    return pa.RecordBatchReader.from_batches(table.schema, batches())


def _committed(table: Table, app_id: str, version: int, root: str | None) -> bool:
    dt = open_table(table, root)
    return dt is not None and (dt.transaction_version(app_id) or -1) >= version


def _retry(
    table: Table, app_id: str, version: int, root: str | None, attempt, tries: int = 3
) -> bool:
    for i in range(tries):
        if _committed(table, app_id, version, root):
            return False
        try:
            attempt()
            return True
        except Exception:
            if _committed(table, app_id, version, root):
                return True  # the commit landed before the error surfaced
            if i == tries - 1:
                raise
            time.sleep(0.05 * 2**i)
    return False


def append(
    table: Table,
    data: pa.RecordBatchReader | pa.Table,
    app_id: str,
    version: int,
    root: str | None = None,
) -> bool:
    """Append in one commit tagged (app_id, version); False when that commit already exists.
    A reader can be consumed once, so a streamed append is not retried after a failure."""
    dt = ensure_table(table, root)
    props = CommitProperties(app_transactions=[Transaction(app_id, version)])
    streamed = isinstance(data, pa.RecordBatchReader)

    def attempt() -> None:
        write_deltalake(
            dt,
            data,
            mode="append",
            partition_by=list(table.partition_by) or None,
            commit_properties=props,
        )

    return _retry(table, app_id, version, root, attempt, tries=1 if streamed else 3)


def merge_rows(
    table: Table,
    rows: pa.Table,
    key: tuple[str, ...],
    update: list[str],
    app_id: str,
    version: int,
    root: str | None = None,
) -> bool:
    """Upsert `rows` in one commit: matched rows get `update` columns, others are inserted."""
    dt = ensure_table(table, root)
    props = CommitProperties(app_transactions=[Transaction(app_id, version)])
    predicate = " and ".join(f"t.{k} = s.{k}" for k in key)

    def attempt() -> None:
        target = open_table(table, root) or dt
        (
            target.merge(
                rows, predicate, source_alias="s", target_alias="t", commit_properties=props
            )
            .when_matched_update({c: f"s.{c}" for c in update})
            .when_not_matched_insert_all()
            .execute()
        )

    return _retry(table, app_id, version, root, attempt)
