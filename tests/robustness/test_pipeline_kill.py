"""`kill -9` of `beaconlake pipeline run` mid-enrich, mid-dbt and mid-publish, then a re-run.

The whole process group is killed (the run and its dbt child), as a crashed or OOM-killed
container would be. Each kill comes after new bronze landed, at a point seen from outside:
a new data file in silver (enrich writing its commit), dbt's log reporting a built model
(DuckDB mid-build), a new commit in one gold table (publish half done), and a random moment
(seeded; `BEACONLAKE_KILL_SEED` replays one). After one plain re-run:
silver holds every bronze event exactly once, gold equals the gold of a clean run over a copy
of the same bronze, and every table of the lake opens and reads.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from lake import io
from lake.registry import EVENTS, RAW_EVENTS, TABLES
from tests.orchestration.bronze import land, row
from tests.robustness import load

START = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def _land_batch(n: int, offset: int, root: str) -> None:
    """n bronze rows: page views and clicks of 150 visitors, a few seconds apart."""
    rows = []
    for i in range(offset, offset + n):
        visitor = i % 150
        when = START + dt.timedelta(seconds=7 * i)
        rows.append(row(f"e{i:06d}", received_at=when, visitor_id=f"v{visitor}",
                        session_id=f"s{visitor}-{i // 900}", project_id="shop",
                        event="click" if i % 5 == 0 else "page_view",
                        url=f"https://shop.example/p/{i % 23}"))  # fmt: skip
    land(*rows, root=root)


def _files_under(path: Path) -> set[str]:
    return {str(p) for p in path.rglob("*") if p.is_file()} if path.exists() else set()


def _silver_data_file(root: str, build: Path) -> Callable[[], bool]:
    before = _files_under(Path(root) / "silver" / "events")
    return lambda: any(
        f.endswith(".parquet") for f in _files_under(Path(root) / "silver" / "events") - before
    )


def _dbt_model_built(root: str, build: Path) -> Callable[[], bool]:
    log = build / "dbt_logs" / "dbt.log"
    start = log.stat().st_size if log.exists() else 0

    def seen() -> bool:
        if not log.exists():
            return False
        with open(log, "rb") as f:
            f.seek(start)
            return b"OK created" in f.read()

    return seen


def _gold_commit(root: str, build: Path) -> Callable[[], bool]:
    logs = [Path(root) / t.path / "_delta_log" for t in TABLES.values() if t.layer == "gold"]
    before = set().union(*(_files_under(p) for p in logs))
    return lambda: any(f.endswith(".json") for p in logs for f in _files_under(p) - before)


def _random_delay(root: str, build: Path) -> Callable[[], bool]:
    """Any point of the run: 1.5-5 s after start (the seed is printed for a re-play)."""
    seed = int(os.environ.get("BEACONLAKE_KILL_SEED", random.randrange(1 << 30)))
    delay = random.Random(seed).uniform(1.5, 5.0)
    print(f"pipeline kill: random point {delay:.2f} s after start (BEACONLAKE_KILL_SEED={seed})")
    at = time.monotonic() + delay
    return lambda: time.monotonic() >= at


def _run_and_kill(root: str, build: Path, marker: Callable[[], bool]) -> None:
    """Start a pipeline run, SIGKILL its process group as soon as `marker()` holds."""
    proc = subprocess.Popen(
        load.pipeline_cmd(), cwd=load.REPO_ROOT, env=load.pipeline_env(root, build / "b.duckdb"),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 240
    try:
        while not marker():
            out = proc.poll()
            assert out is None, f"the run ended ({out}) before the kill point: {proc.stdout.read()}"
            assert time.monotonic() < deadline, "kill point never reached"
            time.sleep(0.002)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL


def _sorted_rows(table, root: str) -> list[tuple]:  # type: ignore[no-untyped-def]
    data = io.read_arrow(table, root=root)
    return sorted(tuple(str(v) for v in r.values()) for r in data.to_pylist())


@pytest.mark.timeout(900)
def test_kill_9_mid_enrich_dbt_publish_then_rerun(tmp_path: Path, lake_root: str) -> None:
    build = tmp_path / "build"
    _land_batch(1500, 0, lake_root)
    load.run_pipeline_cli(lake_root, build / "b.duckdb")  # gold exists before the crashes
    offset = 1500
    for marker in (_silver_data_file, _dbt_model_built, _gold_commit, _random_delay):
        _land_batch(1500, offset, lake_root)
        offset += 1500
        _run_and_kill(lake_root, build, marker(lake_root, build))

    # The reference: a clean run over a copy of the same bronze, alongside the re-run (its own
    # build dir and lock), to keep the test's wall time down.
    clean = tmp_path / "clean"
    shutil.copytree(Path(lake_root) / RAW_EVENTS.path, clean / RAW_EVENTS.path)
    with ThreadPoolExecutor(1) as pool:
        reference = pool.submit(
            load.run_pipeline_cli, str(clean), tmp_path / "clean_build" / "b.duckdb"
        )
        load.run_pipeline_cli(lake_root, build / "b.duckdb")  # the re-run repairs everything
        reference.result()

    bronze = io.read_arrow(RAW_EVENTS, ["event_id"], root=lake_root).column("event_id")
    silver = io.read_arrow(EVENTS, ["event_id"], root=lake_root).column("event_id").to_pylist()
    assert len(silver) == len(set(silver)), "duplicate event_ids in silver"
    assert sorted(silver) == sorted(bronze.to_pylist()) and len(silver) == offset
    for table in TABLES.values():  # every table opens and every row reads
        dt_ = io.open_table(table, lake_root)
        if dt_ is not None:
            dt_.to_pyarrow_table()
            io.read_arrow(table, root=lake_root)

    for table in (t for t in TABLES.values() if t.layer == "gold"):
        assert _sorted_rows(table, lake_root) == _sorted_rows(table, str(clean)), table.name
