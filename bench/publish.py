"""Publish benchmark: seconds of `publish_gold` from an existing dbt build file into a temp lake.

    nice -n 5 .venv/bin/python bench/publish.py --duckdb /tmp/bench-p2/bench.duckdb \
        --repeats 3 [--baseline ae21376]

The build file is only opened read-only (copy the 10 M bench's `run/build/bench.duckdb` first:
another run of bench/pipeline.py rewrites it). Each round publishes into a fresh temp lake
twice: `first` creates every gold table, `again` replaces them (a micro-batch's case).
`--baseline REV` loads orchestration/publish.py as of that git revision and runs it in
alternation with the working tree's, back to back, so both see the same machine load. Prints
every sample's wall and CPU seconds with the load average, and the peak RSS of this process.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from orchestration import publish  # noqa: E402

Publish = Callable[..., dict[str, int]]


def _load_at(rev: str) -> Publish:
    """orchestration/publish.py as of a git revision, as a module of its own."""
    src = subprocess.run(
        ["git", "show", f"{rev}:orchestration/publish.py"],
        cwd=REPO, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    path = Path(tempfile.mkdtemp(prefix="publish-baseline-")) / "publish_baseline.py"
    path.write_text(src)
    spec = importlib.util.spec_from_file_location("publish_baseline", path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.publish_gold


def _cpu() -> float:
    """CPU seconds of this process, all threads (DuckDB's, delta-rs's): steadier under load."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _load() -> str:
    return "load " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def _round(name: str, fn: Publish, build: Path, work: Path) -> None:
    lake = Path(tempfile.mkdtemp(prefix="lake-", dir=work))
    try:
        for step in ("first", "again"):
            before = _load()
            c0, t0 = _cpu(), time.perf_counter()
            rows = fn(str(lake), build)
            s, cpu = time.perf_counter() - t0, _cpu() - c0
            print(
                f"{name:8s} {step:5s} {s:6.2f} s  cpu {cpu:6.2f} s  rows {sum(rows.values()):,}"
                f"  ({before})",
                flush=True,
            )
    finally:
        shutil.rmtree(lake)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duckdb", type=Path, required=True, help="dbt build file (read-only)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--baseline", help="git revision of orchestration/publish.py to compare")
    ap.add_argument("--work", type=Path, default=None, help="dir for the temp lakes")
    args = ap.parse_args()
    work = args.work or Path(tempfile.gettempdir())
    work.mkdir(parents=True, exist_ok=True)
    runs: list[tuple[str, Publish]] = [("current", publish.publish_gold)]
    if args.baseline:
        runs.insert(0, (args.baseline[:8], _load_at(args.baseline)))
    print(_load())
    for _ in range(args.repeats):
        for name, fn in runs:
            _round(name, fn, args.duckdb, work)
    print(_load())
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process (all runs): {rss:,.0f} MB")


if __name__ == "__main__":
    main()
