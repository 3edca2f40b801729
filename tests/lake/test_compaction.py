"""Bronze compaction behind enrichment: inputs already read, rewrites not read twice."""

from __future__ import annotations

import datetime as dt
import threading

import pyarrow as pa
import pyarrow.parquet as pq

from lake import compaction, io
from lake.registry import RAW_EVENTS


def _rows(tag: str, n: int = 3) -> pa.Table:
    now = dt.datetime.now(dt.UTC)
    return pa.table(
        {
            "event_id": [f"{tag}-{i}" for i in range(n)],
            "event": ["page_view"] * n,
            "project_id": ["p"] * n,
            "received_at": pa.array([now] * n),
            "received_date": pa.array([now.date()] * n),
            "ingest_batch_id": [tag] * n,
        }
    )


def _append(tags: range, prefix: str) -> None:
    for i in tags:
        io.append(RAW_EVENTS, _rows(f"{prefix}{i}"), app_id=prefix, version=i)


def _ids() -> list[str]:
    return sorted(io.read_arrow(RAW_EVENTS).column("event_id").to_pylist())


def _new_files(after: int) -> set[str]:
    """What enrichment reads after `after`: new files minus settled rewrites."""
    dt_ = io.open_table(RAW_EVENTS)
    now = set(dt_.file_uris())
    dt_.load_as_version(after)
    before = set(dt_.file_uris())
    latest = io.open_table(RAW_EVENTS).version()
    skip = compaction.settled_rewrites(RAW_EVENTS, before, after, latest)
    return (now - before) - skip


def test_compacting_read_files_leaves_later_appends_and_is_not_read_again(lake_root: str) -> None:
    _append(range(40), "a")
    read_upto = io.open_table(RAW_EVENTS).version()
    _append(range(3), "b")  # after the version enrichment read: must stay new
    metrics = compaction.compact_settled(RAW_EVENTS, read_upto)
    assert metrics is not None and metrics["numFilesRemoved"] == 40
    assert len(io.open_table(RAW_EVENTS).file_uris()) == 1 + 3
    assert _ids() == sorted(f"{t}-{i}" for t in [*(f"a{k}" for k in range(40)),
                                                  "b0", "b1", "b2"] for i in range(3))  # fmt: skip
    new = _new_files(read_upto)
    assert len(new) == 3, "only the three later appends are new; the rewrite is skipped"
    rows = sorted(r for f in new for r in pq.read_table(f)["event_id"].to_pylist())
    assert rows == sorted(f"b{k}-{i}" for k in range(3) for i in range(3))


def test_a_rewrite_that_took_in_unread_files_is_read_again(lake_root: str) -> None:
    _append(range(40), "a")
    read_upto = io.open_table(RAW_EVENTS).version()
    _append(range(3), "b")
    # the daily maintenance compacts the LATEST snapshot: its output holds unread rows
    assert compaction.compact_settled(RAW_EVENTS, io.open_table(RAW_EVENTS).version())
    new = _new_files(read_upto)
    rows = {r for f in new for r in pq.read_table(f)["event_id"].to_pylist()}
    assert {f"b{k}-{i}" for k in range(3) for i in range(3)} <= rows


def test_few_files_are_left_alone(lake_root: str) -> None:
    _append(range(5), "a")
    assert compaction.compact_settled(RAW_EVENTS, io.open_table(RAW_EVENTS).version()) is None
    assert len(io.open_table(RAW_EVENTS).file_uris()) == 5


def test_compaction_while_appends_continue_loses_nothing(lake_root: str) -> None:
    _append(range(60), "a")
    read_upto = io.open_table(RAW_EVENTS).version()
    t = threading.Thread(target=_append, args=(range(30), "c"))
    t.start()
    compaction.compact_settled(RAW_EVENTS, read_upto)
    t.join()
    expected = [f"{p}{k}-{i}" for p, n in (("a", 60), ("c", 30)) for k in range(n)
                for i in range(3)]  # fmt: skip
    assert _ids() == sorted(expected)


def test_a_compaction_planned_before_an_erasure_never_brings_its_rows_back(lake_root: str) -> None:
    """The collector and the pipeline compact while `forget` may delete: the compaction of the
    older snapshot must fail its commit, not write the erased rows back into a new file."""
    from lake.erasure import delete_rows

    _append(range(40), "a")
    before = io.open_table(RAW_EVENTS).version()
    assert delete_rows(RAW_EVENTS, "event_id = 'a7-1'") == 1
    assert compaction.compact_settled(RAW_EVENTS, before, retries=0) is None
    assert "a7-1" not in _ids() and len(_ids()) == 119
