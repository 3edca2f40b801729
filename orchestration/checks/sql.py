"""Run one check query over lake tables in DuckDB (Delta file lists, no full table in Python)."""

from __future__ import annotations

from lake import duck


def scalar_row(tables: list[str], sql: str) -> tuple:
    """The single row `sql` returns, with a view per named lake table."""
    con = duck.connect(tables)
    try:
        return con.execute(sql).fetchall()[0]
    finally:
        con.close()
