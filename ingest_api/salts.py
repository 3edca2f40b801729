"""Daily random salts for cookieless visitor ids, shared by all workers through the lake.

One row per UTC day in `meta/collector_salts`. The first worker to need a day's salt appends it
with an app transaction named after the day, so a second worker skips its own; every worker then
uses the smallest salt stored for the day, so all agree even after a race. Salts older than 48 h
are deleted and vacuumed: without the salt, a visitor hash cannot be recomputed from an IP.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets

import pyarrow as pa

from lake import io
from lake.registry import UTC_TS, Table, register

log = logging.getLogger("beaconlake.collector")

SALTS = register(
    Table(
        "collector_salts",
        "meta",
        pa.schema(
            [
                pa.field("day", pa.date32(), nullable=False),
                pa.field("salt", pa.string(), nullable=False),
                pa.field("created_at", UTC_TS, nullable=False),
            ]
        ),
        description="The collector's daily salts for cookieless visitor ids (kept 48 h).",
        # No min/max statistics: they would keep a deleted salt in the Delta log.
        configuration=(("delta.dataSkippingNumIndexedCols", "0"),),
    )
)


def salt_for(day: dt.date, root: str | None = None) -> bytes:
    """The salt of `day`, created when missing (blocking: call from a thread)."""
    found = _salts_of(day, root)
    if not found:
        now = dt.datetime.now(dt.UTC)
        row = pa.table({"day": [day], "salt": [secrets.token_hex(32)], "created_at": [now]})
        app_id = f"salt-{day.isoformat()}"
        io.append(SALTS, row, app_id=app_id, version=1, root=root)
        _expire(day, root)
        found = _salts_of(day, root)
    return bytes.fromhex(min(found))


def _salts_of(day: dt.date, root: str | None) -> list[str]:
    # The table holds two or three rows: filter in Python.
    rows = io.read_arrow(SALTS, ["day", "salt"], root=root).to_pylist()
    return [r["salt"] for r in rows if r["day"] == day]


def _expire(today: dt.date, root: str | None) -> None:
    """Delete salts of days before yesterday (older than 48 h) and vacuum their files away."""
    cutoff = today - dt.timedelta(days=1)
    dt_ = io.open_table(SALTS, root)
    if dt_ is None:
        return
    try:
        res = dt_.delete(f"day < '{cutoff.isoformat()}'")
        if res.get("num_deleted_rows"):
            dt_.vacuum(retention_hours=0, enforce_retention_duration=False, dry_run=False)
    except Exception as e:  # another worker may be doing the same; it will be retried tomorrow
        log.warning("salt_expiry_failed", extra={"fields": {"error": type(e).__name__}})
