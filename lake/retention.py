"""Retention per layer: raw bronze and replay chunks are deleted after their configured days.

Called by the maintenance job (`apply_retention()`); it only deletes (one commit per table),
the job's regular vacuum removes the files once they are past Delta's file retention. Cut-offs
are whole UTC days on each table's date partition, so a delete drops whole files and never
rewrites one. Silver and gold keep no raw payloads and follow their sources on rebuild.
"""

from __future__ import annotations

import datetime as dt

from beaconlake.settings import get_settings
from lake.erasure import delete_rows
from lake.registry import RAW_EVENTS, REJECTED_EVENTS, REPLAY_CHUNKS, Table

# table → (its date partition column, the settings field giving its retention in days)
RULES: tuple[tuple[Table, str, str], ...] = (
    (RAW_EVENTS, "received_date", "bronze_retention_days"),
    (REJECTED_EVENTS, "received_date", "bronze_retention_days"),
    (REPLAY_CHUNKS, "event_date", "replay_retention_days"),
)


def cutoff(days: int | None, now: dt.datetime | None = None) -> dt.date | None:
    """The first day kept when keeping `days` days (today counts as one); None keeps all."""
    if days is None:
        return None
    if days < 1:
        raise ValueError(f"retention must be at least 1 day or unset, not {days}")
    today = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).date()
    return today - dt.timedelta(days=days - 1)


def apply_retention(root: str | None = None, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete rows older than each table's retention; returns rows deleted per table path."""
    settings = get_settings()
    deleted: dict[str, int] = {}
    for table, column, setting in RULES:
        first_kept = cutoff(getattr(settings, setting), now)
        if first_kept is None:
            continue
        predicate = f"{column} < '{first_kept.isoformat()}'"
        deleted[table.path] = delete_rows(table, predicate, root)
    return deleted
