"""Silver's funnel columns kept in memory per project, sorted by person then time, so that a
funnel click only marks steps and follows attempts (funnel_sorted) over arrays it already has.

Why (10 M-event lake, 4.87 M step events, ~1 M persons, 2 cores): each click scanned silver and
resolved persons (0.3-0.8 CPU s), then split, numbered and sorted the persons' events (~0.45),
1.0-1.4 CPU s in all, every click; on a loaded machine that was 1.2-1.7 s. None of it depends on
the funnel: it is done here once per silver version, and only for what a version adds.

Kept per (lake, project), for the project's human events with event_date >= `lo` (the earliest
date a click asked for; what a row holds: funnel_columns, ~187 MiB for 9.4 M events). Held in
this module (as db holds its snapshots), not in st.cache_resource: an entry must outlive its
version to be merged into the next one. Building it from scratch costs ~6-9 CPU s at that size
(the Funnels page starts it in the background, `warm`); a batch of 10 k events ~0.6 CPU s.

Refresh: silver's Delta version is listed on every call (db.versions). A version that only added
files (the micro-batch appends, docs/silver.md) is read for those files alone (funnel_refresh).
A version that removed any file (compaction, the person squash, an erasure) is rebuilt from
scratch, as is a click on dates before `lo`. Not used (the caller runs the SQL per click) on
object stores or over MAX_ROWS rows.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from typing import Any

import pyarrow as pa

from lake.io import is_local, lake_root, open_table
from lake.registry import EVENTS
from streamlit_app import db, funnel_columns, funnel_refresh
from streamlit_app.funnel_columns import Silver

MAX_ROWS = 40_000_000  # silver rows from `lo` (every project) above which nothing is kept
KEEP = 2  # projects kept at once (the least recently used goes)
IDLE_S = 600.0

log = logging.getLogger(__name__)
_LOCK = threading.Lock()
_STATES: dict[tuple[str, str], tuple[float, Silver]] = {}
_BUILDS: dict[tuple[str, str], threading.Lock] = {}


def get(root: str | None, project: str, since: dt.date, *, wait: bool = True) -> Silver | None:
    """The project's columns at silver's current version, covering dates >= since; None where
    none are kept (object store, no silver, too many rows): run the SQL instead.

    wait=False (a click): where only a build from scratch (seconds) or one already running
    would give them, start it in the background and return None, so the click runs its SQL
    (~1-2 s) instead of waiting; a refresh after a micro-batch (~0.6 CPU s) is still awaited."""
    root = lake_root(root)
    if not is_local(root):
        return None
    key = (root, project)
    listed = db.versions(("events",), root)[0]
    if listed < 0:
        return None
    with _LOCK:
        hit = _STATES.get(key)
        if hit is not None and hit[1].version == listed and hit[1].lo <= since:
            _STATES[key] = (time.monotonic(), hit[1])
            return hit[1]
        build = _BUILDS.setdefault(key, threading.Lock())
    if not wait and (hit is None or hit[1].lo > since or build.locked()):
        warm(root, project, since)
        return None
    new: Silver | None = None
    with build:  # one build per project at a time: a second click waits and reuses it
        with _LOCK:
            hit = _STATES.get(key)
        old = hit[1] if hit is not None else None
        if old is not None and old.version == listed and old.lo <= since:
            return old
        table = open_table(EVENTS, root)
        if table is None:
            return None
        files = frozenset(f.removeprefix("file://") for f in table.file_uris())
        if old is not None and old.lo <= since and old.files <= files:
            new = funnel_refresh.refresh(old, project, table.version(), files)
        elif wait:
            lo = min(since, old.lo) if old is not None else since
            if _rows_from(table, lo) > MAX_ROWS:
                return None
            new = funnel_columns.build(project, lo, table.version(), files)
        if new is not None:
            _keep(key, new)
    if new is None:  # a rewrite (files removed): rebuild in the background, after this lock
        warm(root, project, since)
    return new


def _keep(key: tuple[str, str], new: Silver) -> None:
    """Store new for key; drop entries idle for IDLE_S and all but the KEEP most recent."""
    with _LOCK:
        now = time.monotonic()
        _STATES[key] = (now, new)
        for k, (used, _) in list(_STATES.items()):
            if now - used > IDLE_S:
                del _STATES[k]
        for k, _ in sorted(_STATES.items(), key=lambda kv: kv[1][0])[:-KEEP]:
            del _STATES[k]


def warm(root: str | None, project: str, since: dt.date) -> None:
    """Build or refresh the project's columns in a background thread unless they are current or
    being built: the Funnels page calls this when it renders, so that its first click does not
    pay for a build (seconds at 10 M events), only the page's later clicks' own work."""
    root = lake_root(root)
    if not is_local(root):
        return
    key = (root, project)
    listed = db.versions(("events",), root)[0]
    with _LOCK:
        hit = _STATES.get(key)
        if listed < 0 or (hit is not None and hit[1].version == listed and hit[1].lo <= since):
            return
        if _BUILDS.setdefault(key, threading.Lock()).locked():
            return

    def run() -> None:
        try:
            get(root, project, since)
        except Exception:  # the click will try again, and show the error if it persists
            log.exception("building the funnel columns of %s failed", project)

    # Not a daemon: killed at exit in the middle of DuckDB or Arrow it aborts the process
    # ("terminate called after throwing"); exit waits for the build instead (seconds).
    threading.Thread(target=run, name="funnel-columns", daemon=False).start()


def clear() -> None:
    """Drop every kept project (tests, and benchmarks of a first click)."""
    with _LOCK:
        _STATES.clear()


def _rows_from(table: Any, lo: dt.date) -> int:
    """Silver's rows in partitions >= lo, every project (from the Delta log's statistics)."""
    adds = pa.table(table.get_add_actions(flatten=True))
    if adds.num_rows == 0:
        return 0
    dates = adds.column("partition.event_date").to_pylist()
    counts = adds.column("num_records").to_pylist()
    return sum(c or 0 for d, c in zip(dates, counts, strict=True) if str(d) >= lo.isoformat())
