"""At most one pipeline (enrich → dbt → publish) or maintenance pass at a time on this machine.

Dagster's run queue (max_concurrent_runs 1) serialises Dagster runs; `beaconlake pipeline run`
starts no Dagster run, so both also take this file lock (next to dbt's DuckDB file, which allows
one writer process anyway). A second caller waits, or fails fast with `blocking=False`.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from beaconlake.settings import get_settings


class PipelineBusy(RuntimeError):
    """Another pipeline or maintenance pass holds the lock."""


def lock_path() -> Path:
    return Path(get_settings().duckdb_path).resolve().parent / "pipeline.lock"


@contextmanager
def pipeline_lock(blocking: bool = True) -> Iterator[None]:
    """Hold the machine-wide pipeline lock for the duration of the block."""
    path = lock_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            raise PipelineBusy(f"another pipeline run holds {path}") from None
        yield
    finally:
        os.close(fd)  # closing releases the lock
