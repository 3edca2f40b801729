"""Daily maintenance on a real lake: compaction, settings, checkpoints, retention; and the
enrichment cursor surviving a compaction of bronze."""

from __future__ import annotations

import datetime as dt
import os

import pyarrow as pa

from lake import io
from lake.registry import EVENTS, RAW_EVENTS, REPLAY_CHUNKS
from orchestration.enrich import enrich
from orchestration.maintenance import PROPERTIES, maintain
from tests.orchestration.bronze import chunks, land, row, silver


def test_compaction_settings_and_a_safe_cursor(lake_root: str) -> None:
    for i in range(6):
        land(row(f"e{i}", visitor_id=f"v{i}"))
    enrich()
    before = io.read_arrow(EVENTS).sort_by("event_id")
    assert len(io.open_table(RAW_EVENTS).file_uris()) == 6

    out = maintain()

    bronze = io.open_table(RAW_EVENTS)
    assert len(bronze.file_uris()) == 1
    assert out["bronze/raw_events"]["files_removed"] == 6
    config = bronze.metadata().configuration
    assert {k: config.get(k) for k in PROPERTIES} == PROPERTIES
    log = os.path.join(lake_root, "bronze", "raw_events", "_delta_log")
    assert any(f.endswith(".checkpoint.parquet") for f in os.listdir(log))
    # The compacted file is "new" to the cursor; its rows are already in silver.
    res = enrich()
    assert res.bronze_version == bronze.version() and res.events == 0
    assert io.read_arrow(EVENTS).sort_by("event_id") == before
    land(row("e6"))
    assert enrich().events == 1 and len(silver()) == 7


def _adds() -> list[dict]:
    return pa.table(io.open_table(RAW_EVENTS).get_add_actions(flatten=True)).to_pylist()


def test_older_bronze_gets_its_registry_configuration(lake_root: str) -> None:
    """A bronze table created before its statistics setting (only TABLE_PROPERTIES) gets it from
    the daily maintenance; new files then carry statistics of `received_at` only."""
    from deltalake import DeltaTable

    uri = io.table_uri(RAW_EVENTS)
    os.makedirs(uri, exist_ok=True)
    DeltaTable.create(uri, schema=RAW_EVENTS.schema, partition_by=["received_date"],
                      configuration=PROPERTIES)  # fmt: skip
    land(row("e1"))
    old = {a["path"] for a in _adds()}
    maintain()
    config = io.open_table(RAW_EVENTS).metadata().configuration
    assert {k: config.get(k) for k in dict(RAW_EVENTS.configuration)} == dict(
        RAW_EVENTS.configuration
    )
    land(row("e2"))
    new = [a for a in _adds() if a["path"] not in old]
    assert len(new) == 1 and new[0]["min.received_at"] is not None
    assert new[0].get("min.visitor_id") is None  # set before maintenance, none since
    assert io.read_arrow(RAW_EVENTS, ["event_id"]).num_rows == 2


def test_replay_chunks_past_retention_are_deleted(lake_root: str) -> None:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    old = now - dt.timedelta(days=45)
    land(
        row("r-old", event="replay", received_at=old, properties={"seq": 0, "events": []}),
        row("r-new", event="replay", received_at=now, properties={"seq": 1, "events": []}),
    )
    enrich()
    assert [c["event_id"] for c in chunks()] == ["r-old", "r-new"]
    out = maintain()
    assert out[REPLAY_CHUNKS.path]["retention_deleted"] == 1
    assert [c["event_id"] for c in chunks()] == ["r-new"]
