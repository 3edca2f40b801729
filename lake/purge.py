"""Make deleted rows physically gone: vacuum data files and expire the Delta log at once.

A Delta delete only writes new files and a log entry; the old files (and the min/max column
statistics of those files, kept in the `_delta_log` JSON) stay for time travel until a vacuum
past `delta.deletedFileRetentionDuration` (7 days) and a log cleanup past
`delta.logRetentionDuration` (30 days). `purge_now` does both with zero retention.

UNSAFE with concurrent readers: a reader (or an incremental pipeline step) that opened an older
version loses its files mid-read and cannot time-travel back. Run it with the pipeline idle.
"""

from __future__ import annotations

import pyarrow.fs as pafs

from lake import io
from lake.registry import Table

LOG_RETENTION = "delta.logRetentionDuration"
DEFAULT_LOG_RETENTION = "interval 30 days"  # Delta's default: setting it changes nothing


def purge_now(table: Table, root: str | None = None) -> int:
    """Vacuum with zero retention and drop every log file before a fresh checkpoint.

    Returns the number of data files removed.
    """
    dt = io.open_table(table, root)
    if dt is None:
        return 0
    removed = dt.vacuum(retention_hours=0, dry_run=False, enforce_retention_duration=False)
    _expire_log(table, root)
    return len(removed)


def _expire_log(table: Table, root: str | None) -> None:
    """Checkpoint, then delete every older log file and checkpoint (they hold the min/max
    statistics of removed files, and delete predicates naming the erased ids).

    The table's own log retention is NOT lowered to do this: every writer's post-commit hook
    (the collector's too) would then checkpoint from its own possibly stale handle and clean
    the log with it, which can drop other writers' commits. The checkpoint is made from a
    handle opened afresh from storage, so it holds exactly the committed state.
    """
    before = io.open_table(table, root)
    if before is None:
        return
    # A commit that changes nothing, so the newest log entry (kept with its checkpoint) is not
    # the delete, whose predicate names the ids.
    retention = before.metadata().configuration.get(LOG_RETENTION, DEFAULT_LOG_RETENTION)
    before.alter.set_table_properties({LOG_RETENTION: retention})
    current = io.open_table(table, root)
    assert current is not None
    current.create_checkpoint()
    keep_from = current.version()
    fs, base = pafs.FileSystem.from_uri(f"{io.table_uri(table, root)}/_delta_log")
    for info in fs.get_file_info(pafs.FileSelector(base)):
        name = info.base_name
        version = name.split(".", 1)[0]
        if not version.isdigit() or int(version) >= keep_from:
            continue  # newer commits (another writer's, maybe) and _last_checkpoint stay
        if name.endswith(".json") or ".checkpoint." in name or name.endswith(".crc"):
            fs.delete_file(info.path)
