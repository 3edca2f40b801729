"""The enrichment cursor: the last bronze version whose rows are in silver.

It is the Delta app-transaction version `APP_ID` of silver `events`, committed atomically with
the rows it covers, so a lost Dagster instance (or a crash at any point) loses nothing and a
retried commit is skipped. New work = the bronze files in the current snapshot that were not in
the snapshot at the cursor version, less the files of compactions that only rewrote files
already read (`lake.compaction`: enrichment compacts bronze behind itself). Other rewrites
(the daily maintenance, an erasure) reappear in that difference; their rows already in silver
are dropped by the event_id dedup, so the result is right either way.

Bronze keeps a short log (`lake.registry.BRONZE_LOG_RETENTION`, 5 minutes), so a cursor can be
past it (Dagster stopped for longer while the collector ran). Then the files of the received_date
partitions from the day before silver's newest `received_at` on are read (`since`), not all of
bronze. Why that is exact: only the collector writes bronze, stamping `received_at` when it gets
a request and committing within seconds (its `io.append` retry and a commit that lands after
midnight for a request received before it included). A row not in silver was committed after
the cursor's version, so after every row in silver was received; it was received at most its
receipt-to-commit delay before that newest row, i.e. on the same day or the day before as long
as that delay is under a day. Every older partition's row is in silver already, or a rewrite of
rows that are (compaction, erasure, which keep each row's received_date); the event_id dedup
drops the repeats among the files read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lake.compaction import settled_rewrites
from lake.io import newest_received_at, open_table
from lake.registry import EVENTS, RAW_EVENTS, REPLAY_CHUNKS

APP_ID = "beaconlake.enrich"
MARGIN = dt.timedelta(days=1)  # the longest receipt-to-commit delay the fallback allows for


@dataclass(frozen=True)
class Pending:
    """Bronze work for one micro-batch."""

    cursor: int | None  # bronze version already in silver (None: never ran)
    target: int  # bronze version this batch brings silver up to
    files: list[str]  # parquet files to read (absolute URIs)
    full_scan: bool  # True when every bronze file is read (no cursor, or nothing to go by)
    # The cursor's snapshot was past the log: the files of received_date >= since are read.
    since: dt.date | None = None


def read_cursor(root: str | None = None) -> int | None:
    """The bronze version already enriched, or None when silver has never been written."""
    dt_ = open_table(EVENTS, root)
    if dt_ is None:
        return None
    return dt_.transaction_version(APP_ID)


def newest_received(root: str | None = None) -> dt.datetime | None:
    """The newest `received_at` in silver (events and replay chunks), from the Delta log's file
    statistics (no data file is read; they are kept to the millisecond, rounded down); None
    when silver is empty or a non-empty file has none (then nothing safe to go by)."""
    newest: dt.datetime | None = None
    for table in (EVENTS, REPLAY_CHUNKS):
        delta = open_table(table, root)
        if delta is None or not delta.file_uris():
            continue
        top = newest_received_at(delta)
        if top is None:
            return None  # a file with rows but no statistic
        newest = top if newest is None else max(newest, top)
    return newest


def pending(root: str | None = None) -> Pending | None:
    """What the next batch must read; None when bronze is absent or already fully processed."""
    bronze = open_table(RAW_EVENTS, root)
    if bronze is None:
        return None
    target = bronze.version()
    cursor = read_cursor(root)
    if cursor is not None and cursor >= target:
        return None
    if cursor is None:
        return Pending(None, target, sorted(bronze.file_uris()), full_scan=True)
    now = set(bronze.file_uris())
    try:
        bronze.load_as_version(cursor)
        before = set(bronze.file_uris())
    except Exception:
        return _past_log(cursor, root)
    rewrites = settled_rewrites(RAW_EVENTS, before, cursor, target, root)
    return Pending(cursor, target, sorted(now - before - rewrites), full_scan=False)


def _past_log(cursor: int, root: str | None) -> Pending:
    """The cursor's version is past bronze's log: the recent partitions of the latest snapshot
    (module docstring), or every file when silver has no received_at to go by. Re-opened, not
    loaded back to the first target, whose log file may have gone meanwhile too."""
    bronze = open_table(RAW_EVENTS, root)
    if bronze is None:  # it was there a moment ago
        raise RuntimeError("bronze raw_events disappeared")
    target = bronze.version()
    newest = newest_received(root)
    if newest is None:
        return Pending(cursor, target, sorted(bronze.file_uris()), full_scan=True)
    since = newest.date() - MARGIN
    part = [(RAW_EVENTS.partition_by[0], ">=", since.isoformat())]
    files = sorted(bronze.file_uris(partition_filters=part))
    return Pending(cursor, target, files, full_scan=False, since=since)
