"""Run a great-expectations suite on one lake table, as SQL in DuckDB, for a Dagster asset check.

Each expectation becomes a query GE sends through SQLAlchemy (duckdb-engine) to an in-memory
DuckDB whose views read the Delta table's current Parquet files (`lake.duck`), so 10 M silver
rows never come into Python. great_expectations costs seconds of CPU to import, so it is
imported here, when a check runs, never when the definitions load. The GE context is ephemeral
(nothing written to the repo or the lake) with analytics and progress bars off.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import dagster as dg

from lake import duck

# GE's SUMMARY result: counts and percentages. Sample values cost a second full pass (GE finds
# repeated values with a window over the whole column, ~10 CPU s at 10 M rows, then LIMIT 5),
# so they are asked for only when an expectation failed; LIMIT 0 costs DuckDB nothing.
COUNTS = {"result_format": "SUMMARY", "partial_unexpected_count": 0}
SAMPLES = {"result_format": "SUMMARY", "partial_unexpected_count": 5}
_REPORTED = (
    "observed_value",
    "element_count",
    "missing_count",
    "unexpected_count",
    "unexpected_percent",
    "partial_unexpected_list",
)


@dataclass(frozen=True)
class Expect:
    """One expectation: a `gx.expectations` class name and its arguments, built when run."""

    kind: str  # e.g. "ExpectColumnValuesToBeUnique"
    kwargs: dict[str, Any] = field(default_factory=dict)
    label: str = ""  # metadata key; default: GE's expectation type and the column

    def build(self, gx: Any) -> Any:
        meta = {"label": self.label} if self.label else None
        return getattr(gx.expectations, self.kind)(**self.kwargs, meta=meta)


def _gx() -> Any:
    """great_expectations, imported now; analytics off before it loads (it reads the variable)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    return gx


def _context(gx: Any) -> Any:
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def validate(
    table: str, suite_name: str, expects: Sequence[Expect], root: str | None = None
) -> Any:
    """GE's ExpectationSuiteValidationResult for `expects` on the lake table's current version
    (both passes read the same files)."""
    from sqlalchemy.pool import StaticPool

    from orchestration.checks.duckdb_dbapi import BufferedConnection

    gx = _gx()
    # GE keeps its current context in a module global: the engines reach the DuckDB connection
    # only through `held`, emptied afterwards, so the connection dies with this call.
    held = [duck.connect([table], root)]
    held[0].execute("set enable_progress_bar = false")  # it would draw into Dagster's stdout log
    engines = []
    try:
        context = _context(gx)
        source = context.data_sources.add_sql(
            name="lake",
            connection_string="duckdb:///:memory:",  # the dialect only: `creator` gives the views
            kwargs={"creator": lambda: BufferedConnection(held[0]), "poolclass": StaticPool},
        )
        engines.append(source.get_engine())
        asset = source.add_table_asset(name=table, table_name=table)
        batch = asset.add_batch_definition_whole_table("current").get_batch()
        engines.append(batch.data.execution_engine.engine)
        suite = gx.ExpectationSuite(name=suite_name, expectations=[e.build(gx) for e in expects])
        result = batch.validate(suite, result_format=COUNTS)
        if not result.success:  # again, with a few of the unexpected values to show
            result = batch.validate(suite, result_format=SAMPLES)
        return result
    finally:
        for engine in engines:
            engine.dispose()
        held.pop().close()


def _label(cfg: Any) -> str:
    if (cfg.meta or {}).get("label"):
        return cfg.meta["label"]
    column = cfg.kwargs.get("column")
    return f"{cfg.type}({column})" if column else cfg.type


def _error(info: Any) -> str | None:
    """GE's exception message for an expectation that could not be evaluated, if any."""
    infos = [info] if "raised_exception" in info else list(info.values())
    for i in infos:
        if isinstance(i, dict) and i.get("raised_exception"):
            return str(i.get("exception_message"))
    return None


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def expectation_entry(r: Any) -> dict[str, Any]:
    """What a user needs from one GE result: type, arguments, success, observed/unexpected."""
    cfg = r.expectation_config
    args = {k: v for k, v in cfg.kwargs.items() if k not in ("batch_id", "result_format")}
    out: dict[str, Any] = {"expectation_type": cfg.type, "success": bool(r.success), **args}
    out.update({k: r.result[k] for k in _REPORTED if k in r.result})
    error = _error(r.exception_info or {})
    if error:
        out["exception"] = error
    return _jsonable(out)


def check_result(
    table: str, suite_name: str, expects: Sequence[Expect], root: str | None = None
) -> dg.AssetCheckResult:
    """Run the suite; the check passes when every expectation succeeds. Metadata: one JSON entry
    per expectation (keyed by its label) and a summary table for the Dagster UI."""
    result = validate(table, suite_name, expects, root)
    metadata: dict[str, Any] = {"gx_suite": suite_name}
    rows = ["| expectation | success | unexpected / observed |", "|---|---|---|"]
    for r in result.results:
        entry = expectation_entry(r)
        key = _label(r.expectation_config)
        metadata[key] = dg.MetadataValue.json(entry)
        seen = entry.get("unexpected_count", entry.get("observed_value", entry.get("exception")))
        rows.append(f"| {key} | {entry['success']} | {seen} |")
    metadata["gx_results"] = dg.MetadataValue.md("\n".join(rows))
    metadata["failed_expectations"] = sum(not r.success for r in result.results)
    return dg.AssetCheckResult(
        passed=bool(result.success), severity=dg.AssetCheckSeverity.ERROR, metadata=metadata
    )
