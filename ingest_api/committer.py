"""Group commit: requests park their rows on a shared buffer; one flusher commits them together.

A request is answered only after the commit holding its rows has landed (200) or failed (503):
nothing is acknowledged that is not durable. One Delta commit costs ~10 ms of CPU whatever its
size (plus ~3 us an event), so many requests share one. When to commit (leader/follower group
commit, one commit at a time, the next group filling while one is written):
- at low rates the timer decides: `flush_interval_ms` after the first waiting event, so a
  trickle of requests still makes ~7 commits a second per worker, not one per request;
- once `flush_max_events` wait, the group goes as soon as no commit is running. Under load a
  request then waits for about one commit, not for the timer: a closed-loop client's rate is
  its connections / latency, so the timer alone capped 200 connections at ~1,000 requests/s.
  Groups grow by themselves while a commit runs, so fixed costs shrink as load grows.
- but never two commits starting less than `min_gap_s` apart (`flush_min_gap_ms`, at most the
  timer): each commit adds a file to bronze, and a delta-rs append's time grows ~0.1 ms with
  every file in the table (4 ms at 50 files, ~100 ms at 950: bench/commit_files.py). Back to
  back, ~10 ms commits on a fresh table could add 100 files a second per worker, making every
  later commit slower; the gap caps that at 10 (and `compactor` keeps the count down).
The buffer is bounded: past `buffer_max_events` new requests get 503 at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid

import pyarrow as pa
from deltalake import (
    CommitProperties,
    DeltaTable,
    PostCommitHookProperties,
    Transaction,
    write_deltalake,
)

from ingest_api.errors import ApiError
from ingest_api.metrics import Metrics
from ingest_api.rows import Chunk, raw_events_table, rejected_events_table
from lake import io
from lake.registry import RAW_EVENTS, REJECTED_EVENTS, Table

log = logging.getLogger("beaconlake.collector")

# Expired-log cleanup after every this many commits of a writer to a table, not after each.
# delta-rs's post-commit hook otherwise lists (and stats) every file of `_delta_log` on every
# commit to find expired ones: with a day of log (`delta.logRetentionDuration`; bronze now keeps
# 5 minutes, `lake.registry.BRONZE_LOG_RETENTION`) a 20-row commit's CPU grew from ~7 ms to
# ~20 ms over 1,250 versions (bench/commit_log.py).
LOG_CLEANUP_EVERY = 50
_NO_CLEANUP = PostCommitHookProperties(create_checkpoint=True, cleanup_expired_logs=False)


class BronzeWriter:
    """Appends to the bronze tables through table handles kept open between commits.

    Re-opening a Delta table replays its log (half of a commit's ~60 ms of CPU here); a kept
    handle is brought forward by the write itself. Any error drops the handle and retries via
    `lake.io.append`, which re-opens the table and skips the commit if it already landed.
    Checkpoints are written as the table's interval says; expired logs are cleaned up on every
    `LOG_CLEANUP_EVERY`-th commit only (the table's own setting decides whether at all), so the
    log stays within its retention (plus a few seconds) without a full listing per commit.
    """

    def __init__(self, cleanup_every: int = LOG_CLEANUP_EVERY) -> None:
        self._open: dict[str, DeltaTable] = {}
        self.cleanup_every = cleanup_every
        self._commits: dict[str, int] = {}

    def hooks(self, table: Table) -> PostCommitHookProperties | None:
        """The post-commit hooks of this writer's next commit to `table` (None: the table's
        defaults, expired-log cleanup included)."""
        n = self._commits[table.name] = self._commits.get(table.name, 0) + 1
        return None if n % self.cleanup_every == 0 else _NO_CLEANUP

    def append(self, table: Table, data: pa.Table, app_id: str, version: int) -> None:
        try:
            handle = self._open.get(table.name)
            if handle is None:
                handle = self._open[table.name] = io.ensure_table(table)
            write_deltalake(
                handle,
                data,
                mode="append",
                partition_by=list(table.partition_by) or None,
                commit_properties=CommitProperties(app_transactions=[Transaction(app_id, version)]),
                post_commithook_properties=self.hooks(table),
            )
        except Exception:
            self._open.pop(table.name, None)
            io.append(table, data, app_id=app_id, version=version)

    @staticmethod
    def tables(chunks: list[Chunk]) -> list[tuple[Table, pa.Table]]:
        """One group's Arrow tables, in write order. Rejections first: if the raw append fails,
        nothing the client counts as accepted is stored, and a retry only repeats rejections."""
        out = []
        if any(c.rejected for c in chunks):
            out.append((REJECTED_EVENTS, rejected_events_table(chunks)))
        if any(c.accepted for c in chunks):
            out.append((RAW_EVENTS, raw_events_table(chunks)))
        # `rows` builds them with the registry's schema: casting each column again (`conform`)
        # was a quarter of a single-event group's build, on the event loop.
        return [
            (table, data if data.schema.equals(table.schema) else io.conform(table, data))
            for table, data in out
        ]

    def write(self, tables: list[tuple[Table, pa.Table]], app_id: str, version: int) -> None:
        """Append the tables in order (blocking; delta-rs releases the GIL while it writes)."""
        for table, data in tables:
            self.append(table, data, app_id, version)

    def __call__(self, chunks: list[Chunk], app_id: str, version: int) -> None:
        """Build and write one group (blocking)."""
        self.write(self.tables(chunks), app_id, version)


class Committer:
    def __init__(
        self,
        *,
        interval_s: float,
        max_events: int,
        min_gap_s: float = 0.0,
        buffer_max: int,
        timeout_s: float,
        metrics: Metrics,
        writer: BronzeWriter | None = None,
    ) -> None:
        self.interval_s = interval_s
        self.max_events = max_events
        self.min_gap_s = min(min_gap_s, interval_s)
        self.buffer_max = buffer_max
        self.timeout_s = timeout_s
        self.metrics = metrics
        metrics.depth = lambda: self.depth
        self.writer = writer or BronzeWriter()
        self.app_id = f"collector-{uuid.uuid4().hex}"  # this process's app transaction id
        self.seq = 0
        self.depth = 0  # events waiting or being committed
        self.last_ok: bool | None = None
        self.draining = False
        self._pending: list[tuple[Chunk, asyncio.Future]] = []
        self._pending_events = 0
        self._first_at = 0.0
        self._last_start = -1e9  # when the last commit started (monotonic)
        self._has_data = asyncio.Event()
        self._full = asyncio.Event()
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="group-commit")

    async def submit(self, chunk: Chunk) -> None:
        """Wait until the chunk is committed; ApiError 503 when it cannot be."""
        n = len(chunk.accepted) + len(chunk.rejected)
        if n == 0:
            return
        if self.draining:
            raise ApiError(503, "shutting_down", "the collector is shutting down; retry")
        if self.depth + n > self.buffer_max:
            raise ApiError(503, "buffer_full", "too many events waiting for commit; retry")
        fut = asyncio.get_running_loop().create_future()
        if not self._pending:
            self._first_at = time.monotonic()
        self._pending.append((chunk, fut))
        self._pending_events += n
        self.depth += n
        self._has_data.set()
        if self._pending_events >= self.max_events:
            self._full.set()
        await fut

    async def _run(self) -> None:
        while True:
            await self._has_data.wait()
            wait = self._first_at + self.interval_s - time.monotonic()
            if wait > 0 and not self.draining:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._full.wait(), wait)
            gap = self._last_start + self.min_gap_s - time.monotonic()
            if gap > 0 and not self.draining:
                await asyncio.sleep(gap)  # the group keeps filling meanwhile
            self._last_start = time.monotonic()
            group, self._pending = self._pending, []
            n, self._pending_events = self._pending_events, 0
            self._has_data.clear()
            self._full.clear()
            try:
                await self._commit(group, n)
            except Exception as e:  # never leave a request hanging
                self._fail(group, ApiError(503, "commit_failed", type(e).__name__))

    async def _commit(self, group: list[tuple[Chunk, asyncio.Future]], n: int) -> None:
        """Commit one group of `n` events (counted as they were submitted)."""
        chunks = [c for c, _ in group]
        self.seq += 1
        t0 = time.perf_counter()
        task = asyncio.ensure_future(self._write(chunks, self.seq))
        try:
            await asyncio.wait_for(asyncio.shield(task), self.timeout_s)
        except TimeoutError:
            self._fail(group, ApiError(503, "commit_timeout", "the lake is too slow; retry"))
            log.error("commit_timeout", extra={"fields": {"events": n, "seq": self.seq}})
            await asyncio.gather(task, return_exceptions=True)  # one commit at a time
            self.depth -= n
            return
        except Exception as e:
            self.last_ok = False
            self._fail(group, ApiError(503, "lake_unwritable", "the lake cannot be written"))
            log.error("commit_failed", extra={"fields": {"events": n, "error": type(e).__name__}})
            self.depth -= n
            return
        self.metrics.commit_seconds.observe(time.perf_counter() - t0)
        self.last_ok = True
        self.depth -= n
        for _, fut in group:
            if not fut.done():
                fut.set_result(None)

    async def _write(self, chunks: list[Chunk], seq: int) -> None:
        """Build the Arrow tables here, on the event loop, and only write them in a thread.
        Converting Python values to Arrow holds the GIL: in the writer's thread it ping-ponged
        with the busy loop (5 ms switch interval), so a build of ~6 ms CPU took ~50 ms of wall
        time, and every request of the group waited for it. delta-rs writes without the GIL."""
        tables = self.writer.tables(chunks)
        await asyncio.to_thread(self.writer.write, tables, self.app_id, seq)

    def _fail(self, group: list[tuple[Chunk, asyncio.Future]], err: ApiError) -> None:
        for _, fut in group:
            if not fut.done():
                fut.set_exception(err)

    def begin_drain(self) -> None:
        """Refuse new events and commit what is buffered now, without waiting for the timer."""
        self.draining = True
        self._full.set()

    async def drain(self) -> None:
        """Refuse new events, commit what is buffered, stop the flusher."""
        self.begin_drain()
        while self.depth > 0 and self._task is not None and not self._task.done():
            await asyncio.sleep(0.01)
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
