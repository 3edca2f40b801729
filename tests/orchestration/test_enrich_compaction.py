"""Enrichment compacts the bronze it has read, and never reads those rows twice.

Without it bronze keeps one small file per collector group commit until the daily maintenance,
and a delta-rs commit's CPU grows with every file in the table (docs/benchmarks.md).
"""

from __future__ import annotations

import datetime as dt

from lake import io
from lake.registry import RAW_EVENTS
from orchestration.enrich import enrich
from tests.orchestration.bronze import land, row, silver


def _land(prefix: str, commits: int, now: dt.datetime) -> None:
    for i in range(commits):
        t = now + dt.timedelta(seconds=i)
        land(*(row(f"{prefix}{i}-{k}", visitor_id=f"v{i}", received_at=t) for k in range(2)))


def test_read_bronze_is_compacted_and_later_batches_read_only_new_files(lake_root: str) -> None:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=5)
    _land("a", 40, now)
    first = enrich()
    assert (first.files, first.events) == (40, 80)
    assert len(io.open_table(RAW_EVENTS).file_uris()) == 1, "40 commits' files became one"

    _land("b", 3, now + dt.timedelta(minutes=1))
    second = enrich()
    assert (second.files, second.events) == (3, 6), "the compacted file is not read again"
    ids = sorted(silver())
    assert ids == sorted(f"{p}{i}-{k}" for p, n in (("a", 40), ("b", 3)) for i in range(n)
                         for k in range(2))  # fmt: skip
    assert io.read_arrow(RAW_EVENTS).num_rows == 86
