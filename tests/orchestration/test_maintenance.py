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
    wanted = PROPERTIES | dict(RAW_EVENTS.configuration)
    assert {k: config.get(k) for k in wanted} == wanted
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


def test_vacuum_keeps_files_written_in_the_last_7_days(lake_root: str) -> None:
    """The full vacuum deletes an unreferenced file (a removed file past bronze's day of
    tombstones, a failed write's) once it was written 7 days ago, not before; a file removed
    just now stays whatever its age (its tombstone is younger than 7 days)."""
    import shutil
    import time

    land(row("e1"))
    land(row("e2"))
    bronze = io.open_table(RAW_EVENTS)
    first, second = (u.removeprefix("file://") for u in bronze.file_uris())
    old_orphan, young_orphan = first + ".old.parquet", first + ".young.parquet"
    shutil.copy(first, old_orphan)
    shutil.copy(first, young_orphan)
    day = 86400
    for path, age in ((old_orphan, 8 * day), (young_orphan, 6 * day), (first, 8 * day)):
        os.utime(path, (time.time() - age, time.time() - age))

    out = maintain()

    assert out["bronze/raw_events"]["files_removed"] == 2  # the compaction removed both
    assert out["bronze/raw_events"]["vacuumed"] == 1
    assert not os.path.exists(old_orphan)
    assert all(os.path.exists(p) for p in (young_orphan, first, second))
    assert sorted(io.read_arrow(RAW_EVENTS, ["event_id"]).column(0).to_pylist()) == ["e1", "e2"]
