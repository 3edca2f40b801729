"""The collector compacts bronze itself, and enrichment still takes each event exactly once."""

from __future__ import annotations

import time

from lake import io
from lake.registry import EVENTS, RAW_EVENTS
from orchestration.enrich import enrich
from tests.ingest_api.helpers import event, post


def _files() -> int:
    return len(io.open_table(RAW_EVENTS).file_uris())


def _post_each(c, n: int) -> list[str]:
    """n requests one after the other: with a 5 ms timer, about one commit (one file) each."""
    ids = []
    for i in range(n):
        ev = event(visitor_id=f"v{i}", session_id=f"s{i}")
        assert post(c.url, {"api_key": c.key, **ev}).status_code == 200
        ids.append(ev["event_id"])
    return ids


def test_compacts_read_and_unread_files_and_enrichment_takes_each_event_once(
    start_collector, lake_root: str
) -> None:
    c = start_collector(flush_interval_ms=5, compact_every_s=0.3, compact_min_files=16)
    first = _post_each(c, 6)
    assert enrich().events == 6  # too few files for the pipeline's own compaction
    assert _files() == 6
    second = _post_each(c, 10)
    deadline = time.monotonic() + 30
    while _files() > 1:  # 16 files, read and unread: the collector bin-packs them into one
        assert time.monotonic() < deadline, f"not compacted: {_files()} files"
        time.sleep(0.1)
    while '"bronze_compacted"' not in c.logs():  # logged once the commit landed: soon after
        assert time.monotonic() < deadline, "compacted, but no bronze_compacted log line"
        time.sleep(0.1)

    enrich()
    rows = io.read_arrow(EVENTS).column("event_id").to_pylist()
    assert sorted(rows) == sorted(first + second), "every event once in silver, none twice"
    assert io.read_arrow(RAW_EVENTS).num_rows == 16


def test_below_the_threshold_nothing_is_rewritten(start_collector, lake_root: str) -> None:
    c = start_collector(flush_interval_ms=5, compact_every_s=0.2, compact_min_files=64)
    _post_each(c, 8)
    version = io.open_table(RAW_EVENTS).version()
    time.sleep(1.0)  # five looks
    assert (_files(), io.open_table(RAW_EVENTS).version()) == (8, version)
