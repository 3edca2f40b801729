"""Bronze keeps 5 minutes of log: a cursor older than that (Dagster stopped longer while the
collector ran) re-reads only the recent received_date partitions, and silver stays exact."""

from __future__ import annotations

import datetime as dt
import os
import time

import pytest

from lake import io
from lake.erasure import delete_rows
from lake.registry import EVENTS, RAW_EVENTS
from orchestration.enrich import cursor, enrich
from tests.orchestration.bronze import land, row, silver

MIDNIGHT = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)  # day D; silver's newest row is just after


def _expire_log(root: str) -> None:
    """Make every commit so far 20 minutes old and let delta-rs clean the log up (it keeps the
    newest checkpoint and what follows): the versions before it can no longer be loaded."""
    log = os.path.join(io.table_uri(RAW_EVENTS, root).removeprefix("file://"), "_delta_log")
    then = time.time() - 20 * 60
    for name in os.listdir(log):
        os.utime(os.path.join(log, name), (then, then))
    table = io.open_table(RAW_EVENTS, root)
    assert table is not None
    table.create_checkpoint()
    table.cleanup_metadata()


def _land_history() -> int:
    """Old, yesterday's and today's rows enriched; returns the cursor."""
    land(row("old1", received_at=MIDNIGHT - dt.timedelta(days=5)))
    land(row("old2", received_at=MIDNIGHT - dt.timedelta(days=5, hours=-1)))
    land(row("y1", received_at=MIDNIGHT - dt.timedelta(hours=3)))
    land(row("d1", received_at=MIDNIGHT + dt.timedelta(seconds=30)))
    enrich()
    got = cursor.read_cursor()
    assert got is not None
    return got


def test_a_cursor_past_the_log_reads_only_the_recent_partitions(lake_root: str) -> None:
    at = _land_history()
    # After the cursor: today's rows, a late commit of a request received before midnight (day
    # D-1), a retry of a row already in silver (the collector's io.append retry), and a
    # maintenance compaction that rewrites the old partition's two files into one.
    land(row("d2", received_at=MIDNIGHT + dt.timedelta(minutes=5)))
    land(row("late", received_at=MIDNIGHT - dt.timedelta(seconds=10)))
    land(row("d1", received_at=MIDNIGHT + dt.timedelta(seconds=30)))
    io.open_table(RAW_EVENTS).optimize.compact()
    _expire_log(lake_root)
    with pytest.raises(Exception):  # noqa: B017 (delta-rs raises a generic error)
        io.open_table(RAW_EVENTS).load_as_version(at)

    p = cursor.pending()
    assert p is not None and p.cursor == at
    assert (p.full_scan, p.since) == (False, dt.date(2026, 11, 22))
    days = {f.split("received_date=")[1][:10] for f in p.files}
    assert days == {"2026-11-22", "2026-11-23"}, "the old partition is not read"
    res = enrich()
    assert (res.since, res.full_scan, res.events) == (dt.date(2026, 11, 22), False, 2)
    ids = io.read_arrow(EVENTS, ["event_id"]).column("event_id").to_pylist()
    assert sorted(ids) == ["d1", "d2", "late", "old1", "old2", "y1"]  # each exactly once
    assert cursor.read_cursor() == io.open_table(RAW_EVENTS).version()


def test_with_nothing_in_silver_to_go_by_it_reads_everything(lake_root: str) -> None:
    at = _land_history()
    delete_rows(EVENTS, "true", lake_root)  # e.g. every row erased
    land(row("d2", received_at=MIDNIGHT + dt.timedelta(minutes=5)))
    _expire_log(lake_root)
    p = cursor.pending()
    assert p is not None and p.cursor == at
    assert (p.full_scan, p.since) == (True, None)
    assert len(p.files) == len(io.open_table(RAW_EVENTS).file_uris())
    enrich()
    assert sorted(silver()) == ["d1", "d2", "old1", "old2", "y1"]
