"""Daily lake upkeep: person squash, table settings, compaction, checkpoints, log cleanup, vacuum,
retention.

First the person_id squash of silver events (orchestration.enrich.squash: earlier anonymous rows
of visitors identified since get their person; before compaction, so its rewritten files are
compacted too). Then per existing lake table:
- properties `delta.checkpointInterval=50` (delta-rs checkpoints itself every 50 commits; long
  uncheckpointed logs make every commit and open slower, FIGURES.md), log retention 1 day,
  deleted-file retention 7 days (bronze: both 5 minutes, `lake.registry.BRONZE_CONFIGURATION`);
- compact small files (the collector commits often) from this single writer, retrying when a
  concurrent append wins the commit (delta-rs #2700);
- a checkpoint, expired log cleanup, and a *full* vacuum at 7 days: it deletes files removed
  more than 7 days ago and files no version references (tombstones past a shorter retention,
  like bronze's, and leftovers of failed writes) only once they were written more than 7 days
  ago (delta-rs compares their modification time), so a file written but not yet committed by
  a concurrent append is never touched.
Then row retention (lake.retention: replay chunks after replay_retention_days, raw bronze after
bronze_retention_days when set).
"""

from __future__ import annotations

import logging
import time

from deltalake import DeltaTable
from deltalake.exceptions import CommitFailedError

from lake.io import ensure_properties, open_table
from lake.registry import EVENTS, TABLE_PROPERTIES, TABLES, Table
from orchestration.enrich.squash import squash

log = logging.getLogger(__name__)

PROPERTIES = TABLE_PROPERTIES  # tables created before it was set at creation get it here
VACUUM_HOURS = 7 * 24


def compact(dt: DeltaTable, retries: int = 5) -> dict:
    """Bin-pack small files; on a commit conflict reload and retry (appenders keep going)."""
    for attempt in range(retries + 1):
        try:
            return dt.optimize.compact()
        except CommitFailedError:
            if attempt == retries:
                raise
            time.sleep(0.2 * 2**attempt)
            dt.update_incremental()
    return {}


def maintain_table(table: Table, root: str | None = None) -> dict[str, int] | None:
    """Everything above for one table; None when the table does not exist."""
    dt = open_table(table, root)
    if dt is None:
        return None
    ensure_properties(dt, table)
    metrics = compact(dt)
    dt = open_table(table, root) or dt
    dt.create_checkpoint()
    dt.cleanup_metadata()
    removed = dt.vacuum(retention_hours=VACUUM_HOURS, dry_run=False, full=True)
    return {
        "files_added": int(metrics.get("numFilesAdded", 0)),
        "files_removed": int(metrics.get("numFilesRemoved", 0)),
        "vacuumed": len(removed),
        "version": dt.version(),
    }


def maintain(root: str | None = None) -> dict[str, dict[str, int]]:
    """The squash, upkeep of every registered table, then retention; returns per-table figures.
    A failed squash is raised after the rest ran (compaction must not wait for it)."""
    from lake.retention import apply_retention

    squash_error: Exception | None = None
    try:
        squashed = squash(root)
    except Exception as e:
        log.exception("person squash failed")
        squashed, squash_error = 0, e
    out: dict[str, dict[str, int]] = {}
    for table in list(TABLES.values()):
        res = maintain_table(table, root)
        if res is not None:
            out[table.path] = res
    if squashed:
        out.setdefault(EVENTS.path, {})["person_squashed"] = squashed
    for path, n in apply_retention(root).items():
        out.setdefault(path, {})["retention_deleted"] = n
    log.info("maintenance: %s", out)
    if squash_error is not None:
        raise squash_error
    return out
