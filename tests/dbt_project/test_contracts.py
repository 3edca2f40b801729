"""The gold marts' dbt contracts spell exactly the registry's columns and types, in order.

lake/registry.py is the one place a column list is spelled; this keeps the dbt contracts (and so
the marts' SQL, which dbt checks against them on every build) from drifting away from it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
import yaml

from lake.registry import Table
from orchestration.dbt_build import PROJECT_DIR
from orchestration.publish import gold_tables

DUCKDB_TYPES = {
    pa.string(): "varchar",
    pa.int64(): "bigint",
    pa.int32(): "integer",
    pa.float64(): "double",
    pa.bool_(): "boolean",
    pa.date32(): "date",
    pa.timestamp("us", tz="UTC"): "timestamp with time zone",
}


def mart_models() -> dict[str, dict[str, Any]]:
    """Mart model configs by their alias (the gold table name), read from the marts' yml."""
    out: dict[str, dict[str, Any]] = {}
    for path in sorted((PROJECT_DIR / "models" / "marts").glob("*.yml")):
        for model in yaml.safe_load(Path(path).read_text()).get("models", []):
            sql = (path.parent / f"{model['name']}.sql").read_text()
            alias = sql.split("alias='", 1)[1].split("'", 1)[0] if "alias='" in sql else None
            out[alias or model["name"]] = model
    return out


@pytest.mark.parametrize("table", gold_tables(), ids=lambda t: t.name)
def test_contract_matches_registry(table: Table) -> None:
    models = mart_models()
    assert table.name in models, f"no mart model publishes gold table {table.name}"
    model = models[table.name]
    assert model["config"]["contract"]["enforced"] is True
    got = [(c["name"], c["data_type"]) for c in model["columns"]]
    want = [(f.name, DUCKDB_TYPES[f.type]) for f in table.schema]
    # after the registry's columns a mart may keep `_loaded_at` for itself (publish selects the
    # registry's columns): the run that wrote the row, read by its scoped tests
    assert got in (want, [*want, ("_loaded_at", "timestamp with time zone")])
    required = {
        c["name"]
        for c in model["columns"]
        if any(k.get("type") == "not_null" for k in c.get("constraints", []))
    }
    assert required == {f.name for f in table.schema if not f.nullable}


def test_every_mart_is_a_gold_table() -> None:
    assert set(mart_models()) == {t.name for t in gold_tables()}
