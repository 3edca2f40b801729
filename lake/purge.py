"""Make deleted rows physically gone: vacuum data files and expire the Delta log at once.

A Delta delete only writes new files and a log entry; the old files (and the min/max column
statistics of those files, kept in the `_delta_log` JSON) stay for time travel until a vacuum
past `delta.deletedFileRetentionDuration` (7 days) and a log cleanup past
`delta.logRetentionDuration` (30 days). `purge_now` does both with zero retention.

UNSAFE with concurrent readers: a reader (or an incremental pipeline step) that opened an older
version loses its files mid-read and cannot time-travel back. Run it with the pipeline idle.
"""

from __future__ import annotations

from deltalake import DeltaTable

from lake import io
from lake.registry import Table

LOG_RETENTION = "delta.logRetentionDuration"
DEFAULT_LOG_RETENTION = "interval 30 days"


def purge_now(table: Table, root: str | None = None) -> int:
    """Vacuum with zero retention and drop every log file before a fresh checkpoint.

    Returns the number of data files removed. The table's log retention setting is restored
    afterwards (to Delta's 30-day default where none was set).
    """
    dt = io.open_table(table, root)
    if dt is None:
        return 0
    removed = dt.vacuum(retention_hours=0, dry_run=False, enforce_retention_duration=False)
    _expire_log(dt)
    return len(removed)


def _expire_log(dt: DeltaTable) -> None:
    """Checkpoint, then delete every older log file (they hold stats of removed files)."""
    dt.update_incremental()
    previous = dt.metadata().configuration.get(LOG_RETENTION)
    dt.alter.set_table_properties({LOG_RETENTION: "interval 0 seconds"})
    dt.create_checkpoint()
    dt.cleanup_metadata()
    dt.alter.set_table_properties({LOG_RETENTION: previous or DEFAULT_LOG_RETENTION})
