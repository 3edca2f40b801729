"""Make deleted rows physically gone at once, safely while the collector keeps appending.

A Delta delete only writes new files and a log entry; the old files, the min/max column
statistics in the `_delta_log` JSON and old checkpoints, and the delete's own predicate (which
names the erased ids) stay until a vacuum and a log cleanup past retention. `purge_now` removes
all of them now:

1. vacuum with zero retention, in delta-rs's *lite* mode: only files the log marks as removed
   (tombstones) are deleted. A file a concurrent append has written but not committed yet is
   no tombstone, so it survives (a *full* vacuum would delete it and let the commit land
   pointing at a missing file).
   Then the unreferenced files written longer ago than the table's tombstone retention (at
   least `MIN_AGE_S`): files removed longer ago than that are no tombstones any more (bronze
   keeps them only as long as its log, 5 minutes, `lake.registry.BRONZE_CONFIGURATION`) but
   may still be on disk, awaiting the maintenance's 7-day vacuum, and were written before they
   were removed; a concurrent append's file is younger. (delta-rs's full vacuum does this by
   modification time too, but in whole hours: at 1 h it spared a file removed 20 minutes ago.)
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

import time

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
    removed += _delete_unreferenced(dt, max(MIN_AGE_S, tombstone_seconds(dt)))
    _scrub_log(table, root)
    return len(removed)


MIN_AGE_S = 600  # far longer than any commit takes between writing its file and landing
_UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800}


def tombstone_seconds(dt: DeltaTable) -> float:
    """The table's `delta.deletedFileRetentionDuration` in seconds (Delta's default of a week
    when unset)."""
    text = dt.metadata().configuration.get("delta.deletedFileRetentionDuration")
    if not text:
        return 7 * 86400
    parts = text.lower().removeprefix("interval").split()
    if len(parts) != 2 or parts[1].rstrip("s") not in _UNIT_SECONDS:
        raise ValueError(f"unreadable delta.deletedFileRetentionDuration {text!r}")
    return float(parts[0]) * _UNIT_SECONDS[parts[1].rstrip("s")]


def _delete_unreferenced(dt: DeltaTable, min_age_s: float) -> list[str]:
    """Delete the data files outside the current snapshot last modified over `min_age_s` ago
    (relative paths, as delta-rs's vacuum lists them)."""
    candidates = dt.vacuum(
        retention_hours=0, dry_run=True, enforce_retention_duration=False, full=True
    )
    fs, base = pafs.FileSystem.from_uri(dt.table_uri)
    cutoff = time.time() - min_age_s
    gone = []
    for rel in candidates:
        info = fs.get_file_info(f"{base.rstrip('/')}/{rel}")
        old = info.mtime is not None and info.mtime.timestamp() < cutoff
        if info.type == pafs.FileType.File and old:
            fs.delete_file(info.path)
            gone.append(rel)
    return gone


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
