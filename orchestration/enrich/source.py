"""The batch's bronze files as a DuckDB view `bronze` with each row's file and row number
(the tie-break that makes "first received wins" deterministic across re-runs)."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.fs as pafs


def _quote(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def register_bronze(con: duckdb.DuckDBPyConnection, files: list[str], local: bool) -> None:
    """Create view `bronze` over `files` (local: DuckDB reads the Parquet itself)."""
    if local:
        paths = ", ".join(_quote(f.removeprefix("file://")) for f in files)
        con.execute(
            f"create or replace temp view bronze as select * from read_parquet([{paths}], "
            "hive_partitioning = true, union_by_name = true, filename = true, "
            "file_row_number = true)"
        )
        return
    # Object store: DuckDB cannot (no httpfs download here); read via pyarrow's filesystem.
    fs, _ = pafs.FileSystem.from_uri(files[0])
    parts = []
    for uri in files:
        _, path = pafs.FileSystem.from_uri(uri)
        frag = pads.dataset(path, filesystem=fs, partitioning="hive").to_table()
        # the partition column lives in the path; add it from there
        date = next(
            (seg.split("=", 1)[1] for seg in path.split("/") if seg.startswith("received_date=")),
            None,
        )
        if date is not None and "received_date" not in frag.column_names:
            frag = frag.append_column(
                "received_date", pa.array([date] * frag.num_rows).cast(pa.date32())
            )
        frag = frag.append_column("filename", pa.array([uri] * frag.num_rows, pa.string()))
        frag = frag.append_column("file_row_number", pa.array(range(frag.num_rows), pa.int64()))
        parts.append(frag)
    con.register("_bronze_arrow", pa.concat_tables(parts, promote_options="default"))
    con.execute("create or replace temp view bronze as select * from _bronze_arrow")
