"""The collector's appends clean up expired Delta logs on every N-th commit, not on each: the
cleanup lists the whole log, which made every commit slower as it grew (with a day of commits)."""

from __future__ import annotations

import datetime as dt
import os
import time

from ingest_api.committer import BronzeWriter
from ingest_api.rows import Chunk, RequestMeta
from lake import io
from lake.registry import EVENTS, RAW_EVENTS


def _commit(w: BronzeWriter, i: int) -> None:
    meta = RequestMeta(dt.datetime.now(dt.UTC), "p", None, None, f"b{i}", lambda: "v")
    w([Chunk(meta.consts, [(f"e{i}", "page_view", "t", *[None] * 9)])], "app-test", i)


def _logs(root: str) -> list[int]:
    log_dir = os.path.join(io.table_uri(RAW_EVENTS, root), "_delta_log")
    return sorted(int(f[:20]) for f in os.listdir(log_dir) if f.endswith(".json"))


def test_expired_logs_cleaned_every_nth_commit_only(lake_root: str) -> None:
    table = io.ensure_table(RAW_EVENTS, lake_root)
    # Every log before a checkpoint is expired at once; a checkpoint every 2 versions.
    table.alter.set_table_properties(
        {"delta.logRetentionDuration": "interval 0 seconds", "delta.checkpointInterval": "2"}
    )
    first = _logs(lake_root)[0]  # (that commit cleaned up by itself, as delta-rs does)
    w = BronzeWriter(cleanup_every=5)
    for i in range(1, 5):
        _commit(w, i)
    logs = _logs(lake_root)
    assert logs[0] == first and len(logs) == 5  # past two checkpoints: nothing removed
    _commit(w, 5)  # the fifth cleans up to the latest checkpoint (its own)
    after = _logs(lake_root)
    assert after[0] > first and after[-1] == logs[-1] + 1
    ids = io.read_arrow(RAW_EVENTS, ["event_id"], root=lake_root).column("event_id").to_pylist()
    assert sorted(ids) == [f"e{i}" for i in range(1, 6)]


def _age(root: str, minutes: float) -> None:
    log_dir = os.path.join(io.table_uri(RAW_EVENTS, root), "_delta_log")
    then = time.time() - minutes * 60
    for name in os.listdir(log_dir):
        os.utime(os.path.join(log_dir, name), (then, then))


def test_bronze_keeps_5_minutes_of_log(lake_root: str) -> None:
    """A new bronze table's own retention (lake.registry.BRONZE_LOG_RETENTION), as delta-rs
    reads it: the collector's cleanup keeps commits 4 minutes old and drops 6-minute-old ones
    (silver and gold keep a day)."""
    table = io.ensure_table(RAW_EVENTS, lake_root)
    assert table.metadata().configuration["delta.logRetentionDuration"] == "interval 5 minutes"
    table.alter.set_table_properties({"delta.checkpointInterval": "2"})
    w = BronzeWriter(cleanup_every=3)
    for i in range(1, 3):
        _commit(w, i)
    _age(lake_root, 4)
    before = _logs(lake_root)
    _commit(w, 3)  # cleans up: nothing is old enough
    assert _logs(lake_root) == [*before, before[-1] + 1]
    _age(lake_root, 6)
    for i in range(4, 7):
        _commit(w, i)  # the sixth cleans up to the newest checkpoint
    assert _logs(lake_root)[0] > before[-1]
    silver = io.ensure_table(EVENTS, lake_root).metadata().configuration
    assert silver["delta.logRetentionDuration"] == "interval 1 days"
