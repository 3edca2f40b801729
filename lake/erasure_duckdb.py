"""Erase from dbt's DuckDB build file, which keeps copies of silver rows in incremental models.

The build file is a cache derived from silver, but dbt's incremental models only rebuild it
in full on `--full-refresh`, so an erased person would otherwise linger there. DuckDB allows
one process per file: when the pipeline holds it we wait a little, then give up and say so
(the caller marks the request failed; re-running `forget` is safe). A DuckDB DELETE leaves the
old bytes in free blocks of the file, so `compact` rewrites the file (COPY FROM DATABASE).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb


class BuildFileBusy(RuntimeError):
    """Another process (a dbt run, a notebook) holds the DuckDB build file."""


def _connect(path: Path, wait_s: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return duckdb.connect(str(path))
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() >= deadline:
                raise BuildFileBusy(f"DuckDB build file {path} is in use: {exc}") from None
            time.sleep(0.5)


def _tables(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], set[str]]:
    """(schema, table) → column names, for base tables of the build database."""
    rows = con.execute(
        """
        select c.table_schema, c.table_name, c.column_name
        from information_schema.columns c
        join information_schema.tables t
          on t.table_catalog = c.table_catalog and t.table_schema = c.table_schema
         and t.table_name = c.table_name
        where t.table_type = 'BASE TABLE' and c.table_catalog = current_database()
        """
    ).fetchall()
    out: dict[tuple[str, str], set[str]] = {}
    for schema, table, column in rows:
        out.setdefault((schema, table), set()).add(column)
    return out


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def erase_build_file(
    path: Path,
    match: dict[str, list[str]],
    project_id: str | None = None,
    compact: bool = False,
    wait_s: float = 10.0,
) -> dict[str, int] | None:
    """Delete rows where any `match` column holds one of its values (within `project_id`).

    Returns rows deleted per `duckdb:<schema>.<table>`, or None when the file does not exist.
    """
    if not path.exists():
        return None
    con = _connect(path, wait_s)
    counts: dict[str, int] = {}
    try:
        for (schema, table), columns in sorted(_tables(con).items()):
            terms, params = [], []
            for col, values in match.items():
                if col in columns and values:
                    terms.append(f"cast({_q(col)} as varchar) in (select unnest(?::varchar[]))")
                    params.append(values)
            if not terms:
                continue
            where = "(" + " or ".join(terms) + ")"
            if project_id is not None and "project_id" in columns:
                where += " and project_id = ?"
                params.append(project_id)
            name = f"{_q(schema)}.{_q(table)}"
            deleted = con.execute(f"delete from {name} where {where}", params).fetchall()
            counts[f"duckdb:{schema}.{table}"] = int(deleted[0][0]) if deleted else 0
        con.execute("checkpoint").fetchall()
        if compact:
            _compact(con, path)
    finally:
        con.close()
    return counts


def _compact(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Rewrite the file so deleted rows' bytes are not left in its free blocks."""
    fresh = path.with_name(path.name + ".compact")
    fresh.unlink(missing_ok=True)
    source = con.execute("select current_database()").fetchall()[0][0]
    con.execute(f"attach {_lit(str(fresh))} as __fresh").fetchall()
    con.execute(f"copy from database {_q(source)} to __fresh").fetchall()
    con.execute("detach __fresh").fetchall()
    con.close()
    os.replace(fresh, path)


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
