"""Benchmark of the great-expectations asset checks on a large silver `events` table.

    .venv/bin/python bench/checks.py --rows 1000000 10000000 --lake /tmp/bench-checks

For each size, a synthetic silver table (the columns the checks read plus the required ones,
random UUID event_ids, 30 days of event_time, written in 1 M-row commits like a pipeline's
micro-batches) is made once under `<lake>/rows-<N>/` and reused. Each measurement runs in a
fresh Python process, so it includes what a Dagster run pays: `import great_expectations`
alone; then GE imported and each silver check called as Dagster calls it, with wall and CPU
seconds and the process's peak RSS (VmHWM); and, for scale, the plain DuckDB SQL that the
checks replaced. Prints a Markdown table and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Runs in a child: `{"step": ..., "wall_s": ..., "cpu_s": ..., "peak_rss_mib": ...}` per line.
CHILD = r"""
import json, os, resource, sys, time
sys.path.insert(0, {root!r})
mode = sys.argv[1]

def peak_mib():  # VmHWM restarts at exec (ru_maxrss would keep the parent's)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)

def report(step, t0, c0):
    print(json.dumps({{"step": step, "wall_s": round(time.perf_counter() - t0, 2),
        "cpu_s": round(cpu() - c0, 2), "peak_rss_mib": peak_mib()}}), flush=True)

def cpu():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime

if mode == "import":
    t0, c0 = time.perf_counter(), cpu()
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations
    report("import great_expectations", t0, c0)
elif mode == "checks":
    from orchestration.checks.silver import SILVER_CHECKS
    t0, c0 = time.perf_counter(), cpu()
    from orchestration.checks.gx_suite import _gx
    _gx()
    report("(import great_expectations before the checks)", t0, c0)
    for check in SILVER_CHECKS:
        t0, c0 = time.perf_counter(), cpu()
        result = check()
        assert result.passed, result.metadata
        report(next(iter(check.check_keys)).name, t0, c0)
elif mode == "sql":
    from lake import duck
    t0, c0 = time.perf_counter(), cpu()
    con = duck.connect(["events"])
    con.execute("select count(*) - count(distinct event_id), "
                "count(*) filter (where event_time > now() + interval 23 hour), "
                "count(*) filter (where device_type not in "
                "('desktop', 'mobile', 'tablet', 'bot', 'other')) from events").fetchall()
    report("plain DuckDB SQL, all three", t0, c0)
"""


def make_silver(lake: Path, rows: int) -> None:
    """A silver events table of `rows` rows (skipped when it exists with that many)."""
    os.environ["BEACONLAKE_LAKE_URI"] = str(lake)
    from beaconlake.settings import get_settings

    get_settings.cache_clear()
    import duckdb
    import pyarrow as pa

    from lake import io
    from lake.registry import EVENTS

    dt_ = io.open_table(EVENTS)
    if dt_ is not None:
        if sum(pa.table(dt_.get_add_actions())["num_records"].to_pylist()) == rows:
            return
        shutil.rmtree(lake / "silver")  # left by an interrupted run
    con = duckdb.connect()
    step = 1_000_000
    for start in range(0, rows, step):
        n = min(step, rows - start)
        batch = con.sql(
            f"""select *, (event_time at time zone 'UTC')::date as event_date from (
                select uuid()::varchar as event_id, 'shop' as project_id, 'page_view' as event,
                now() - to_microseconds((random() * 30 * 86400e6)::bigint) as event_time,
                'client' as event_time_source, now() as received_at,
                'v' || (random() * 100000)::int as visitor_id,
                'v' || (random() * 100000)::int as person_id,
                (['direct', 'organic_search', 'social', 'referral'])[1 + (i % 4)] as channel,
                (['desktop', 'mobile', 'tablet', 'bot', 'other'])[1 + (i % 5)] as device_type,
                false as is_bot, {start // step}::bigint as bronze_version
                from range({n}) t(i))"""
        ).to_arrow_table()
        io.append(EVENTS, batch)


def child(mode: str, lake: Path) -> list[dict]:
    env = dict(os.environ, BEACONLAKE_LAKE_URI=str(lake), GX_ANALYTICS_ENABLED="false")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    out = subprocess.run(
        [sys.executable, "-c", CHILD.format(root=str(ROOT)), mode],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = [line[line.index('{"step"') :] for line in out.stdout.splitlines() if '{"step"' in line]
    return [json.loads(line) for line in lines]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    p.add_argument("--lake", type=Path, default=Path("/tmp/bench-checks"))
    args = p.parse_args()
    print("| silver rows | step | wall s | CPU s | peak RSS MiB |\n|---|---|---|---|---|")
    for rows in args.rows:
        lake = args.lake / f"rows-{rows}"
        lake.mkdir(parents=True, exist_ok=True)
        make_silver(lake, rows)
        for mode in ("import", "checks", "sql"):
            for r in child(mode, lake):
                print(
                    f"| {rows:,} | {r['step']} | {r['wall_s']} | {r['cpu_s']} | "
                    f"{r['peak_rss_mib']} |",
                    flush=True,
                )
    print(f"\nload average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
