"""dbt-duckdb plugin: the lake's silver tables and the funnel file as DuckDB sources.

Why a plugin and not dbt-duckdb's `delta` plugin: reading delta-rs's current file list with
`read_parquet([...])` is 2-4x faster than scanning its Arrow dataset (FIGURES.md), and DuckDB's
delta extension cannot be downloaded here. The views are made once per DuckDB connection, so a
dbt run (profile `keep_open: true`, one process) reads ONE snapshot of every silver table.

Funnels live in YAML (SPEC 4), which SQL cannot read: the plugin loads the file into the table
`lake.funnel_steps_def`, so every way of running dbt (run_dbt_build, dagster-dbt, the dbt CLI)
sees the current funnel definitions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

from dbt_project.plugins.funnels import FUNNEL_STEPS_SCHEMA, load_funnels
from lake import duck
from lake.io import is_local, open_table
from lake.registry import EVENTS, REPLAY_CHUNKS

SCHEMA = "lake"


class Plugin(BasePlugin):
    """Creates views `lake.events`, `lake.replay_chunks` and table `lake.funnel_steps_def`."""

    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self.lake_uri: str | None = plugin_config.get("lake_uri") or None
        self.funnels: str | None = plugin_config.get("funnels") or None
        self._registered: dict[str, Any] = {}

    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        self._registered = {}
        conn.execute(f"create schema if not exists {SCHEMA}")
        for table in (EVENTS, REPLAY_CHUNKS):
            sql = duck.table_sql(table, self.lake_uri)
            if sql is None:
                # Empty/absent table (registry schema) or an object store (Arrow dataset).
                dt = open_table(table, self.lake_uri)
                remote = dt is not None and not is_local(self.lake_uri)
                data = dt.to_pyarrow_dataset() if remote else table.schema.empty_table()
                name = f"__lake_{table.name}"
                self._registered[name] = data
                conn.register(name, data)
                sql = f'"{name}"'
            conn.execute(f"create or replace view {SCHEMA}.{table.name} as select * from {sql}")
        steps = pa.Table.from_pylist(load_funnels(self._funnels_path()), schema=FUNNEL_STEPS_SCHEMA)
        conn.register("__lake_funnel_steps", steps)
        conn.execute(
            f"create or replace table {SCHEMA}.funnel_steps_def as "
            "select * from __lake_funnel_steps"
        )
        conn.unregister("__lake_funnel_steps")

    def configure_cursor(self, cursor: DuckDBPyConnection) -> None:
        # Registered Arrow objects are per connection; dbt's cursors are new connections.
        for name, data in self._registered.items():
            cursor.register(name, data)

    def _funnels_path(self) -> Path:
        if self.funnels:
            return Path(self.funnels)
        from beaconlake.settings import get_settings

        path = Path(get_settings().funnels)
        if not path.is_absolute() and not path.exists():
            path = Path(__file__).resolve().parents[1] / "funnels.yml"
        return path
