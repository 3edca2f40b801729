"""Erasure on real Delta tables: exactly the person's rows go, in every layer, and are logged."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

from lake import erasure, erasure_log, io
from lake.registry import TABLES
from tests.lake import erasure_data as data
from tests.lake import lake_scan

PERSON_TABLES = ("raw_events", "events", "replay_chunks", "sessions", "page_views")


def _ids(table: str, column: str = "event_id") -> set[str]:
    return set(io.read_arrow(TABLES[table], [column]).column(column).to_pylist())


def _build_db(tmp_path: Path) -> Path:
    path = tmp_path / "build" / "beaconlake.duckdb"
    data.build_duckdb(path)
    return path


def test_forget_person_deletes_their_rows_everywhere_and_keeps_others(
    lake_root: str, tmp_path: Path
) -> None:
    data.build(lake_root)
    db = _build_db(tmp_path)

    result = erasure.forget_person(data.PERSON, duckdb_path=db)

    assert _ids("raw_events") == {"e5", "e6", "e7"}  # e4: bronze-only, linked by user_id
    assert _ids("events") == {"e5", "e6", "e7"}
    assert _ids("replay_chunks") == {"r_e5", "r_e6", "r_e7"}
    assert _ids("sessions", "session_id") == {"s_x1", "s_q1", "s_z1"}
    assert _ids("page_views") == {"e5", "e6", "e7"}
    assert _ids("rejected_events", "payload") == {'{"visitor_id": "v_x", "user_id": "user_7"}'}
    assert io.read_arrow(TABLES["daily_stats"]).num_rows == 1  # aggregates: rebuilt by pipeline
    assert result.rows_deleted == {
        "bronze/raw_events": 4,
        "bronze/rejected_events": 1,
        "silver/events": 3,
        "silver/replay_chunks": 3,
        "gold/sessions": 2,
        "gold/page_views": 3,
        "duckdb:main_marts.int_events": 4,
    }
    con = duckdb.connect(str(db), read_only=True)
    left = con.execute("select event_id from main_marts.v_events order by 1").fetchall()
    con.close()
    assert left == [("e5",), ("e6",), ("e7",)]


def test_request_is_logged_done_with_counts_and_without_the_id(lake_root: str) -> None:
    data.build(lake_root)
    result = erasure.forget_person(data.PERSON)
    [row] = erasure_log.list_requests()
    assert row["request_id"] == result.request_id
    assert (row["kind"], row["status"], row["error"]) == ("person", "done", None)
    assert row["subject"] == erasure_log.person_subject(data.PERSON)
    assert data.PERSON not in row["subject"]
    assert row["completed_at"] >= row["requested_at"]
    assert json.loads(row["rows_deleted"])["silver/events"] == 3


def test_after_purge_no_file_of_the_lake_holds_the_person(lake_root: str, tmp_path: Path) -> None:
    data.build(lake_root)
    db = _build_db(tmp_path)
    erasure.forget_person("v_q")  # an earlier erasure without vacuum: its files linger too
    before = lake_scan.find(lake_root, [*data.PERSON_IDS, "v_q"])
    assert set(before) == {*data.PERSON_IDS, "v_q"}  # the scan sees them before
    assert b"user_42" in db.read_bytes()

    erasure.forget_person(data.PERSON, purge_now=True, duckdb_path=db)

    assert lake_scan.find(lake_root, [*data.PERSON_IDS, "v_q"]) == {}
    assert b"user_42" not in db.read_bytes()
    assert lake_scan.find(lake_root, ["v_x", "user_7", "v_z"]).keys() == {"v_x", "user_7", "v_z"}
    assert _ids("events") == {"e5", "e7"}  # every table still opens and reads
    for table in erasure.data_tables():
        io.read_arrow(table)


def test_project_all_clears_every_layer_and_keeps_project_and_keys(
    lake_root: str, tmp_path: Path
) -> None:
    data.build(lake_root)
    db = _build_db(tmp_path)
    result = erasure.forget_project("shop", duckdb_path=db)
    for table in erasure.data_tables():
        projects = _ids(table.name, "project_id") if io.open_table(table) else set()
        assert "shop" not in projects, table.name
    assert _ids("raw_events") == {"e7"} and _ids("events") == {"e7"}
    assert _ids("projects", "project_id") == {"shop", "blog"}
    assert len(_ids("api_keys", "key_id")) == 2
    assert result.rows_deleted["gold/daily_stats"] == 1
    assert result.rows_deleted["duckdb:main_marts.totals"] == 1
    assert erasure_log.list_requests()[0]["subject"] == "shop"


def test_unknown_person_is_done_with_nothing_deleted(lake_root: str) -> None:
    data.build(lake_root)
    result = erasure.forget_person("nobody")
    assert result.status == "done" and result.total == 0
    assert len(_ids("raw_events")) == 7


def test_unknown_project_is_refused_and_nothing_changes(lake_root: str) -> None:
    data.build(lake_root)
    with pytest.raises(ValueError, match="unknown project"):
        erasure.forget_project("nope")
    assert len(_ids("raw_events")) == 7
    assert erasure_log.list_requests() == []


def test_ids_with_quotes_are_matched_literally(lake_root: str) -> None:
    data.build(lake_root)
    odd = 'o\'neil "x" \\ ü'
    row = data._raw("q1", odd, "s_q", None, "shop", data.T0)
    io.append(TABLES["raw_events"], [row])
    result = erasure.forget_person(odd)
    assert result.rows_deleted["bronze/raw_events"] == 1
    assert "q1" not in _ids("raw_events") and len(_ids("raw_events")) == 7


def test_rows_received_within_the_newest_millisecond_go_too(lake_root: str) -> None:
    """Bronze's deletes are bounded by the newest `received_at` in the log's statistics, which
    delta-rs keeps to the millisecond, rounded down: the bound must still take this row."""
    data.build(lake_root)
    late = data.T0 + dt.timedelta(hours=1, microseconds=999_999)
    io.append(TABLES["raw_events"], [data._raw("q2", "v_a", "s_a1", None, "shop", late)])
    result = erasure.forget_person(data.PERSON)
    assert result.rows_deleted["bronze/raw_events"] == 5
    assert _ids("raw_events") == {"e5", "e6", "e7"}


def test_busy_build_file_fails_the_request_after_deleting_the_lake_rows(
    lake_root: str, tmp_path: Path
) -> None:
    import subprocess
    import sys

    data.build(lake_root)
    db = _build_db(tmp_path)
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb,sys;c=duckdb.connect({str(db)!r});"
         "print('ready',flush=True);sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with pytest.raises(erasure.ErasureFailed) as info:
            erasure.forget_person(data.PERSON, duckdb_path=db, duckdb_wait_s=0.5)
    finally:
        holder.communicate("")
    [row] = erasure_log.list_requests()
    assert row["status"] == "failed" and "in use" in row["error"]
    assert data.PERSON not in row["error"]
    assert info.value.result.rows_deleted["silver/events"] == 3
    assert _ids("events") == {"e5", "e6", "e7"}
    # Re-running once the file is free completes the request.
    assert erasure.forget_person(data.PERSON, duckdb_path=db).status == "done"


def test_tables_still_take_filtered_reads_after_an_erasure(lake_root: str) -> None:
    """delta-rs's own delete would leave string_view files that PyArrow cannot filter."""
    data.build(lake_root)
    erasure.forget_person(data.PERSON)
    erasure.forget_person("v_q")
    for table in erasure.data_tables():
        if io.open_table(table) is not None:
            got = io.read_arrow(table, ["project_id"], [("project_id", "=", "shop")])
            assert got.num_rows >= 0, table.name
    [first, second] = [
        io.read_arrow(TABLES["erasure_requests"], filters=[("request_id", "=", r["request_id"])])
        for r in erasure_log.list_requests()
    ]
    assert first.num_rows == second.num_rows == 1
    assert _ids("raw_events") == {"e5", "e7"}
