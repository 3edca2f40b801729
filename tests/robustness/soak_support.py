"""What the soak test runs beside the load: a memory/CPU sampler, the pipeline every N seconds,
and the check that every acknowledged event id is in a lake table exactly once."""

from __future__ import annotations

import os
import re
import statistics
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from lake import duck
from tests.robustness import load


def workers_of(supervisor: int) -> list[int]:
    """uvicorn's worker processes (multiprocessing spawn children) under its supervisor."""
    out = []
    for pid in load.process_tree(supervisor)[1:]:
        try:
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                out.append(pid)
        except OSError:
            continue
    return out


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def sched_s(pids: list[int]) -> tuple[float, float]:
    """(seconds on a CPU, seconds runnable but waiting for one) so far, over every thread of the
    processes (/proc/<pid>/task/<tid>/schedstat): the wait tells a starved process from an
    idle one."""
    run = wait = 0
    for pid in pids:
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tids:
            try:
                f = Path(f"/proc/{pid}/task/{tid}/schedstat").read_text().split()
            except OSError:
                continue
            run, wait = run + int(f[0]), wait + int(f[1])
    return run / 1e9, wait / 1e9


class CpuWatch:
    """CPU use and CPU wait of some processes over an interval, in cores."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.t0 = time.monotonic()
        self.s0 = sched_s(pids)

    def cores(self) -> tuple[float, float]:
        run, wait = sched_s(self.pids)
        dt = time.monotonic() - self.t0
        return (run - self.s0[0]) / dt, (wait - self.s0[1]) / dt


_DEPTH = re.compile(rb"^beaconlake_buffer_events (\S+)$", re.M)


def _fds(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def _depth(client: httpx.Client, url: str) -> float:
    try:
        m = _DEPTH.search(client.get(url).content)
    except httpx.HTTPError:
        return -1.0
    return float(m.group(1)) if m else -1.0


@dataclass
class Sampler:
    """Every `every_s`: RSS of each collector worker and of the dashboard process, and the
    buffer depth one worker reports on /metrics (events waiting for a commit)."""

    workers: list[int]
    dashboard: int
    metrics_url: str | None
    every_s: float = 1.0
    t: list[float] = field(default_factory=list)
    worker_rss: list[list[int]] = field(default_factory=list)  # KiB, one list per sample
    worker_fds: list[int] = field(default_factory=list)  # open files: mostly connections
    dashboard_rss: list[int] = field(default_factory=list)
    depth: list[float] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        t0 = time.monotonic()
        with httpx.Client(timeout=2) as client:
            while not self.stop.is_set():
                self.t.append(time.monotonic() - t0)
                self.worker_rss.append([rss_kib(p) for p in self.workers])
                self.worker_fds.append(sum(_fds(p) for p in self.workers))
                self.dashboard_rss.append(rss_kib(self.dashboard))
                if self.metrics_url is not None:
                    self.depth.append(_depth(client, self.metrics_url))
                self.stop.wait(max(0.0, self.every_s - (time.monotonic() - t0) % self.every_s))

    @property
    def collector_rss(self) -> list[int]:
        return [sum(s) for s in self.worker_rss]


def thirds(series: list[int]) -> tuple[float, float, float]:
    """Medians of the first, middle and last third of a series."""
    n = len(series) // 3
    parts = series[:n], series[n : len(series) - n], series[len(series) - n :]
    return tuple(statistics.median(p) for p in parts)  # type: ignore[return-value]


@dataclass
class PipelineLoop:
    """`beaconlake pipeline run` every `every_s` (start to start; back to back when a run takes
    longer), until `stop`; the run in progress then finishes."""

    lake_root: str
    duckdb: Path
    every_s: float
    nice: int = 0
    runs: list[tuple[float, float, str]] = field(default_factory=list)  # start, seconds, summary
    errors: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        t0 = time.monotonic()
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                out = load.run_pipeline_cli(self.lake_root, self.duckdb, nice=self.nice)
                done = [ln for ln in out.splitlines() if ln.startswith("done in")]
                self.runs.append((started - t0, time.monotonic() - started, "".join(done)))
            except BaseException as exc:  # reported by the test
                self.errors.append(f"pipeline: {exc}"[:2000])
            self.stop.wait(max(0.0, self.every_s - (time.monotonic() - started)))


def id_check(lake_root: str, table: str, acked_files: list[Path], batch: int) -> dict[str, int]:
    """Compare `table`'s event ids with the acknowledged ones (request prefixes + 2 hex digits):
    rows, distinct ids, acknowledged ids missing, ids never even attempted."""
    con = duck.connect([table], root=lake_root)

    def ids(files: list[Path]) -> str:
        paths = ", ".join(f"'{p}'" for p in files)
        return (
            f"(select printf('%s%02x', column0, j) as id from read_csv([{paths}], header = false,"
            f" columns = {{'column0': 'varchar'}}), range({batch}) r(j))"
        )

    attempted = [p.with_name(p.name + ".attempted") for p in acked_files]
    con.execute(f"create temp table acked as select distinct id from {ids(acked_files)}")
    con.execute(f"create temp table attempted as select distinct id from {ids(attempted)}")
    rows, distinct = con.execute(
        f'select count(*), count(distinct event_id) from "{table}"'
    ).fetchall()[0]
    missing = con.execute(
        f'select count(*) from acked where id not in (select event_id from "{table}")'
    ).fetchall()[0][0]
    stray = con.execute(
        f'select count(*) from "{table}" where event_id not in (select id from attempted)'
    ).fetchall()[0][0]
    n_acked = con.execute("select count(*) from acked").fetchall()[0][0]
    con.close()
    return {"acked": n_acked, "rows": rows, "distinct": distinct, "missing": missing,
            "stray": stray}  # fmt: skip
