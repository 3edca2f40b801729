"""Keep bronze from drowning in small files, without making enrichment read anything twice.

The collector commits a small file every group commit (several a second under any traffic),
and with delta-rs a commit's CPU grows ~0.1 ms with every file in the table: left alone until
the daily maintenance, bronze commits slow from ~10 ms to seconds within hours. So each
micro-batch compacts the recent partitions right after enrichment has read them.

Two rules make that safe and cheap:
- `compact_settled` compacts the snapshot AT the version enrichment just read up to, so every
  input file is already in silver; the collector's appends after that version are untouched
  (blind appends do not conflict with it, and a conflict is retried).
- `settled_rewrites` tells enrichment which files of later versions are such rewrites of files
  it has already read (dataChange=false commits whose removed files were all read), so they are
  skipped instead of re-read. A rewrite that took in unread files (the daily maintenance
  compacts the latest snapshot) is read again; the event_id dedup keeps that exact.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from urllib.parse import unquote

import pyarrow.fs as pafs
from deltalake import DeltaTable
from deltalake.exceptions import CommitFailedError

from lake.io import open_table, table_uri
from lake.registry import Table

MIN_FILES = 32  # fewer small files than this in the recent partitions: not worth a rewrite


def _rel(uri: str, base: str) -> str:
    """A file URI as the relative, unquoted path the Delta log uses."""
    base = base.removeprefix("file://").rstrip("/") + "/"
    return unquote(uri.removeprefix("file://").removeprefix(base))


def _actions(base: str, version: int) -> list[dict] | None:
    """The actions of one commit, or None when its log file is gone (past log retention)."""
    fs, path = pafs.FileSystem.from_uri(f"{base}/_delta_log/{version:020d}.json")
    try:
        with fs.open_input_stream(path) as f:
            text = f.read().decode()
    except (FileNotFoundError, OSError):
        return None
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def settled_rewrites(table: Table, settled: set[str], after: int, upto: int,
                     root: str | None = None) -> set[str]:  # fmt: skip
    """Files added in versions (after, upto] that only rewrite rows of `settled` files.

    `settled` holds absolute file URIs already read (the snapshot at `after`); returned URIs are
    absolute too. Processed in version order, so a rewrite of a rewrite counts.
    """
    base = table_uri(table, root)
    known = {_rel(u, base) for u in settled}
    out: set[str] = set()
    for version in range(after + 1, upto + 1):
        actions = _actions(base, version)
        if actions is None:
            break  # unknown history: read the rest (dedup keeps it exact)
        adds = [a["add"] for a in actions if "add" in a]
        removes = [a["remove"] for a in actions if "remove" in a]
        neutral = all(not x.get("dataChange", True) for x in adds + removes)
        if adds and removes and neutral and {unquote(r["path"]) for r in removes} <= known:
            added = {unquote(a["path"]) for a in adds}
            known |= added
            out |= {f"{base}/{p}" for p in added}
    return out


def compact_settled(table: Table, version: int | None, root: str | None = None, days: int = 2,
                    min_files: int = MIN_FILES, retries: int = 3,
                    target_size: int | None = None) -> dict | None:  # fmt: skip
    """Bin-pack the last `days` date partitions of the snapshot at `version` (None: latest).

    None when there are fewer than `min_files` files there (nothing worth doing), the table is
    absent, or every attempt conflicted; else delta-rs's optimize metrics. `target_size`: the
    file size bins fill up to (delta-rs's default, 100 MB, when None).
    """
    since = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=days - 1)).isoformat()
    part = [(table.partition_by[0], ">=", since)] if table.partition_by else None
    for attempt in range(retries + 1):
        delta = open_table(table, root)
        if delta is None:
            return None
        if version is not None:
            delta.load_as_version(version)
        if len(delta.file_uris(partition_filters=part)) < min_files:
            return None
        try:
            return _compact(delta, part, target_size)
        except CommitFailedError:
            # Best effort: a concurrent rewrite of the same files (the daily maintenance) wins
            # for good; the next micro-batch compacts from a newer version.
            time.sleep(0.1 * 2**attempt)
    return None


def _compact(delta: DeltaTable, part: list | None, target_size: int | None = None) -> dict:
    return delta.optimize.compact(partition_filters=part, target_size=target_size)
