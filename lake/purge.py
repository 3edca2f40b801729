"""Make deleted rows physically gone at once, safely while the collector keeps appending.

A Delta delete only writes new files and a log entry; the old files, the min/max column
statistics in the `_delta_log` JSON and old checkpoints, and the delete's own predicate (which
names the erased ids) stay until a vacuum and a log cleanup past retention. `purge_now` removes
all of them now:

1. vacuum with zero retention, in delta-rs's *lite* mode: only files the log marks as removed
   (tombstones) are deleted. A file a concurrent append has written but not committed yet is
   no tombstone, so it survives (a *full* vacuum would delete it and let the commit land
   pointing at a missing file).
   Then a *full* vacuum at the table's tombstone retention (at least an hour): files removed
   longer ago than that are no tombstones any more (bronze keeps them only as long as its log,
   `lake.registry.BRONZE_CONFIGURATION`) but may still be on disk, awaiting the maintenance's
   7-day vacuum; delta-rs deletes such unreferenced files once their modification time is
   older than the retention, and a concurrent append's file is younger than that.
2. a checkpoint at the current version, then every older checkpoint and checksum file deleted.
3. every commit file up to that version REWRITTEN in place without column statistics and
   without commit parameters (`lake.erasure_scrub`), never deleted.

Why 3 rewrites instead of deleting: a Delta writer picks its version (latest + 1) first and
writes the commit file later with put-if-absent. Deleting commit files below the checkpoint
freed their versions, and a collector commit that had picked such a version before the
deletion (a descheduled thread is enough) then landed in the gap: accepted by put-if-absent,
acknowledged to the client, and invisible to every reader, who starts at the newer checkpoint.
Its Parquet file stayed on disk, outside the table. A rewritten file keeps its version taken,
so such a commit fails with "version exists" and is retried at the head of the log.

Readers of older versions still lose their files (time travel before the erasure is gone).
"""

from __future__ import annotations

import pyarrow.fs as pafs
from deltalake import DeltaTable

from lake import erasure_scrub as scrub
from lake import io
from lake.registry import Table


def purge_now(table: Table, root: str | None = None) -> int:
    """Vacuum tombstones with zero retention, checkpoint, scrub the log; returns files removed."""
    dt = io.open_table(table, root)
    if dt is None:
        return 0
    removed = dt.vacuum(
        retention_hours=0, dry_run=False, enforce_retention_duration=False, full=False
    )
    hours = max(1, tombstone_hours(dt))
    removed += dt.vacuum(
        retention_hours=hours, dry_run=False, enforce_retention_duration=False, full=True
    )
    _scrub_log(table, root)
    return len(removed)


_UNIT_HOURS = {"second": 1 / 3600, "minute": 1 / 60, "hour": 1, "day": 24, "week": 168}


def tombstone_hours(dt: DeltaTable) -> int:
    """The table's `delta.deletedFileRetentionDuration` in whole hours (rounded down; Delta's
    default of a week when unset)."""
    text = dt.metadata().configuration.get("delta.deletedFileRetentionDuration")
    if not text:
        return 168
    parts = text.lower().removeprefix("interval").split()
    if len(parts) != 2 or parts[1].rstrip("s") not in _UNIT_HOURS:
        raise ValueError(f"unreadable delta.deletedFileRetentionDuration {text!r}")
    return int(float(parts[0]) * _UNIT_HOURS[parts[1].rstrip("s")])


def _scrub_log(table: Table, root: str | None) -> None:
    """Checkpoint from a fresh handle; older checkpoints go, commits up to it are scrubbed."""
    current = io.open_table(table, root)
    if current is None:
        return
    current.create_checkpoint()  # exactly the committed state: opened afresh from storage
    upto = current.version()
    fs, base = pafs.FileSystem.from_uri(f"{io.table_uri(table, root)}/_delta_log")
    for info in fs.get_file_info(pafs.FileSelector(base)):
        version = scrub.version_of(info.base_name)
        if version is None or version > upto:
            continue  # newer commits (the collector's, maybe) and _last_checkpoint stay
        if scrub.is_commit(info.base_name):
            scrub.scrub_commit(fs, info.path)
        elif version < upto and scrub.is_state_file(info.base_name):
            fs.delete_file(info.path)  # a checkpoint or checksum: no writer's version slot
