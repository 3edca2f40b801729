"""The collector compacts bronze itself, so its commits stay cheap whether the pipeline runs or not.

Every group commit adds a file to bronze, and a delta-rs commit's CPU grows ~0.1 ms with each
file in the table. The pipeline compacts behind enrichment (`lake.compaction`), but only as
often as it runs: under load two workers add ~20 files a second, and with Dagster stopped,
slowed or far behind nothing else would, so commits would slow from ~10 ms to seconds.

Each worker looks every `compact_every_s`; past `compact_min_files` files in the recent
partitions it bin-packs them into files of up to `compact_target_mib`. One worker at a time on
a machine (a lock file); a conflict with another writer (the pipeline's compaction, an erasure,
a collector elsewhere) just skips the round. Enrichment reads a rewrite holding unread rows as
new work and drops the rows it already has by event_id (`orchestration/enrich/cursor.py`): no
event is lost or counted twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import logging
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from lake.compaction import compact_settled
from lake.io import table_uri
from lake.registry import RAW_EVENTS

log = logging.getLogger("beaconlake.collector")


@contextlib.contextmanager
def _try_lock(path: Path) -> Iterator[bool]:
    """A non-blocking exclusive lock: True when this process holds it."""
    with open(path, "a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


class Compactor:
    """Bin-packs recent bronze partitions in the background of one collector worker."""

    def __init__(self, every_s: float, min_files: int, target_bytes: int) -> None:
        self.every_s = every_s
        self.min_files = min_files
        self.target_bytes = target_bytes
        digest = hashlib.sha1(table_uri(RAW_EVENTS).encode()).hexdigest()[:16]
        self.lock_path = Path(tempfile.gettempdir()) / f"beaconlake-compact-{digest}.lock"
        self.runs = 0  # compactions that committed

    def once(self) -> dict | None:
        """One look (blocking): the optimize metrics when it compacted, else None."""
        with _try_lock(self.lock_path) as mine:
            if not mine:
                return None
            t0 = time.perf_counter()
            metrics = compact_settled(
                RAW_EVENTS, None, min_files=self.min_files, retries=0,
                target_size=self.target_bytes,
            )  # fmt: skip
        if metrics:
            self.runs += 1
            fields = {
                "files_removed": metrics.get("numFilesRemoved"),
                "files_added": metrics.get("numFilesAdded"),
                "seconds": round(time.perf_counter() - t0, 3),
            }
            log.info("bronze_compacted", extra={"fields": fields})
        return metrics

    async def run(self) -> None:
        """Look every `every_s` until cancelled; an error is logged, never fatal."""
        while True:
            await asyncio.sleep(self.every_s)
            try:
                await asyncio.to_thread(self.once)
            except Exception as e:  # e.g. the lake read-only: the committer reports that
                log.warning("bronze_compaction_failed", extra={"fields": {"error": repr(e)}})
