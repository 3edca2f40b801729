"""The lake helpers: registry schemas, idempotent appends, DuckDB views."""

from __future__ import annotations

import datetime as dt
import os

import pyarrow as pa
import pytest

from lake import duck, io, keys
from lake.registry import RAW_EVENTS, TABLES, get_table


def _row(event_id: str) -> dict:
    now = dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC)
    return {
        "event_id": event_id,
        "event": "page_view",
        "received_at": now,
        "project_id": "shop",
        "ingest_batch_id": "b1",
        "received_date": now.date(),
    }


def test_append_with_same_app_transaction_is_skipped(lake_root: str) -> None:
    assert io.append(RAW_EVENTS, [_row("e1"), _row("e2")], app_id="c1", version=7)
    assert not io.append(RAW_EVENTS, [_row("e1"), _row("e2")], app_id="c1", version=7)
    assert io.append(RAW_EVENTS, [_row("e3")], app_id="c1", version=8)
    got = io.read_arrow(RAW_EVENTS, ["event_id"]).column("event_id").to_pylist()
    assert sorted(got) == ["e1", "e2", "e3"]


def test_table_is_partitioned_and_schema_matches_registry(lake_root: str) -> None:
    io.append(RAW_EVENTS, [_row("e1")])
    dt_ = io.open_table(RAW_EVENTS)
    assert dt_ is not None
    assert dt_.metadata().partition_columns == ["received_date"]
    assert pa.schema(dt_.schema().to_arrow()).names == RAW_EVENTS.columns


def test_missing_required_column_is_refused(lake_root: str) -> None:
    with pytest.raises(ValueError, match="event_id"):
        io.conform(RAW_EVENTS, [{"event": "x"}])


def test_duckdb_view_reads_current_version_and_empty_tables(lake_root: str) -> None:
    io.append(RAW_EVENTS, [_row("e1"), _row("e2")])
    con = duck.connect(["raw_events", "events"])
    assert con.execute("select count(*) from raw_events").fetchall() == [(2,)]
    assert con.execute("select count(*) from events").fetchall() == [(0,)]
    cols = [r[0] for r in con.sql("describe events").fetchall()]
    assert cols == get_table("events").columns


def test_keys_are_stored_hashed_and_resolve_to_project(lake_root: str) -> None:
    project_id, key = keys.create_key("My Shop")
    assert project_id == "my-shop" and key.startswith("bl_pub_")
    assert keys.load_keys("write") == {keys.hash_key(key): "my-shop"}
    stored = io.read_arrow(TABLES["api_keys"]).to_pylist()
    assert key not in str(stored)
    keys.create_key("My Shop", kind="secret")
    assert len(io.read_arrow(TABLES["projects"]).to_pylist()) == 1


def test_read_arrow_filters_by_date_and_membership(lake_root: str) -> None:
    io.append(RAW_EVENTS, [_row("e1"), _row("e2")])
    day = dt.date(2026, 11, 23)
    assert io.read_arrow(RAW_EVENTS, ["event_id"], [("received_date", "=", day)]).num_rows == 2
    got = io.read_arrow(RAW_EVENTS, ["event_id"], [("event_id", "in", ["e2", "x"])])
    assert got.column("event_id").to_pylist() == ["e2"]
    assert io.read_arrow(RAW_EVENTS, ["event_id"], [("event_id", "=", "e")]).num_rows == 0


def test_read_arrow_filters_after_an_update_rewrote_files(lake_root: str) -> None:
    io.append(RAW_EVENTS, [_row("e1"), _row("e2")])
    dt_ = io.open_table(RAW_EVENTS)
    assert dt_ is not None
    dt_.update(updates={"event": "'click'"}, predicate="event_id = 'e1'")  # string_view files
    got = io.read_arrow(RAW_EVENTS, ["event"], [("event_id", "=", "e1")])
    assert got.column("event").to_pylist() == ["click"]
    assert got.column_names == ["event"]


def test_new_tables_checkpoint_every_50_commits_from_the_first(lake_root: str) -> None:
    """SPEC 6's checkpoints hold from a table's creation (e.g. bronze made by the collector),
    not only after the first daily maintenance; an overwrite (gold's publish) keeps them."""
    from lake.registry import DAILY_STATS, TABLE_PROPERTIES

    for i in range(50):
        io.append(RAW_EVENTS, [_row(f"e{i}")])
    dt_ = io.open_table(RAW_EVENTS)
    assert dt_.version() == 50  # version 0 is the creation
    wanted = TABLE_PROPERTIES | dict(RAW_EVENTS.configuration)  # bronze: a day of tombstones
    assert {k: dt_.metadata().configuration.get(k) for k in wanted} == wanted
    assert wanted["delta.deletedFileRetentionDuration"] == wanted["delta.logRetentionDuration"]
    log = os.listdir(dt_.table_uri.removeprefix("file://") + "/_delta_log")
    assert [f for f in log if f.endswith(".checkpoint.parquet")] == [
        "00000000000000000049.checkpoint.parquet"  # delta-rs's default: at version 99
    ]
    io.overwrite(DAILY_STATS, DAILY_STATS.schema.empty_table())
    io.overwrite(DAILY_STATS, DAILY_STATS.schema.empty_table())
    config = io.open_table(DAILY_STATS).metadata().configuration
    assert {k: config.get(k) for k in TABLE_PROPERTIES} == TABLE_PROPERTIES


def test_bronze_commits_keep_statistics_of_received_at_only(lake_root: str) -> None:
    """Bronze's long string columns (and person values) stay out of each commit's statistics:
    every later commit of a kept handle parses them again (lake.registry)."""
    from lake.registry import REJECTED_EVENTS

    io.append(RAW_EVENTS, [{**_row("e1"), "url": "https://a.example/", "user_id": "u1"}])
    add = pa.table(io.open_table(RAW_EVENTS).get_add_actions(flatten=True)).to_pydict()
    assert add["num_records"] == [1]
    assert sorted(k for k in add if k.startswith(("min.", "max.", "null_count."))) == [
        "max.received_at", "min.received_at", "null_count.received_at"
    ]  # fmt: skip
    assert dict(REJECTED_EVENTS.configuration) == dict(RAW_EVENTS.configuration)
