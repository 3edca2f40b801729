"""The lake: the table registry and the helpers every component uses to read and write Delta."""

from lake.registry import TABLES, Table, get_table

__all__ = ["TABLES", "Table", "get_table"]
