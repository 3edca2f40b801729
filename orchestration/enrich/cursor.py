"""The enrichment cursor: the last bronze version whose rows are in silver.

It is the Delta app-transaction version `APP_ID` of silver `events`, committed atomically with
the rows it covers, so a lost Dagster instance (or a crash at any point) loses nothing and a
retried commit is skipped. New work = the bronze files in the current snapshot that were not in
the snapshot at the cursor version, less the files of compactions that only rewrote files
already read (`lake.compaction`: enrichment compacts bronze behind itself). Other rewrites
(the daily maintenance, an erasure) reappear in that difference; their rows already in silver
are dropped by the event_id dedup, so the result is right either way.
"""

from __future__ import annotations

from dataclasses import dataclass

from lake.compaction import settled_rewrites
from lake.io import open_table
from lake.registry import EVENTS, RAW_EVENTS

APP_ID = "beaconlake.enrich"


@dataclass(frozen=True)
class Pending:
    """Bronze work for one micro-batch."""

    cursor: int | None  # bronze version already in silver (None: never ran)
    target: int  # bronze version this batch brings silver up to
    files: list[str]  # parquet files to read (absolute URIs)
    full_scan: bool  # True when the cursor's snapshot was unavailable and every file is read


def read_cursor(root: str | None = None) -> int | None:
    """The bronze version already enriched, or None when silver has never been written."""
    dt = open_table(EVENTS, root)
    if dt is None:
        return None
    return dt.transaction_version(APP_ID)


def pending(root: str | None = None) -> Pending | None:
    """What the next batch must read; None when bronze is absent or already fully processed."""
    bronze = open_table(RAW_EVENTS, root)
    if bronze is None:
        return None
    target = bronze.version()
    cursor = read_cursor(root)
    if cursor is not None and cursor >= target:
        return None
    now = set(bronze.file_uris())
    if cursor is None:
        return Pending(None, target, sorted(now), full_scan=True)
    try:
        bronze.load_as_version(cursor)
        before = set(bronze.file_uris())
    except Exception:
        # The cursor's version is past log retention: read everything, dedup keeps it right.
        return Pending(cursor, target, sorted(now), full_scan=True)
    rewrites = settled_rewrites(RAW_EVENTS, before, cursor, target, root)
    return Pending(cursor, target, sorted(now - before - rewrites), full_scan=False)
