"""Pipeline benchmark: N synthetic bronze events end to end, then an incremental batch.

    .venv/bin/python bench/pipeline.py --events 10000000 --incremental 10000 --lake /tmp/bench-10m

Bronze is generated once per (--events, --seed-version) into `<lake>/seed-<N>/` (written in
collector-sized commits of `--commit-rows`) and reused by later runs; every run starts from a
fresh copy of that bronze (Parquet files hard-linked, the Delta log copied) in `<lake>/run/`,
so each "cold run" really starts with empty silver, gold and dbt build. Then it times
`orchestration.pipeline.run_pipeline()` (what `beaconlake pipeline run` does: enrich → dbt
build → publish gold) cold, after `--incremental` new events, and with nothing new. Peak
memory: this process's max RSS (enrich, publish) and the largest child's (the dbt subprocess).
Prints a Markdown table row per step, the load average, and dbt's slowest nodes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

UAS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPad; CPU OS 16_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/16.0 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
]
PATHS = ["/", "/catalog", "/product/1", "/product/2", "/product/3", "/cart", "/checkout"]
REFS = [None, None, "https://www.google.com/", "https://t.co/x", "https://blog.example.org/a"]
QUERIES = ["", "", "", "?utm_source=news&utm_medium=email", "?utm_source=google&utm_medium=cpc"]
NAMES = ["page_view"] * 6 + ["click"] * 2 + ["page_leave", "web_vital", "purchase", "identify"]
SEED_VERSION = 2  # bump when synth() changes, so an old seed dir is not reused
START = dt.datetime(2026, 10, 20, tzinfo=dt.UTC)


def synth(
    n: int, start: dt.datetime, days: float, seed: int, prefix: str, first_visitor: int = 0
) -> pa.Table:
    """n bronze rows: ~20 events a visitor in 4 SDK sessions of ~5 events each; a session starts
    anywhere in `days` days and its events fall within 20 minutes of its start."""
    rng = np.random.default_rng(seed)
    n_visitors = max(n // 20, 1)
    visitors = rng.integers(0, n_visitors, n)
    sess = visitors * 4 + rng.integers(0, 4, n)
    session_start = rng.integers(0, int(days * 86400 * 1000), n_visitors * 4)
    offs = session_start[sess] + rng.integers(0, 20 * 60 * 1000, n)
    t = np.datetime64(start.replace(tzinfo=None), "ms") + offs.astype("timedelta64[ms]")
    ts = np.datetime_as_string(t, unit="ms")
    names = np.array(NAMES)[rng.integers(0, len(NAMES), n)]
    paths = np.array(PATHS)[rng.integers(0, len(PATHS), n)]
    queries = np.array(QUERIES)[rng.integers(0, len(QUERIES), n)]
    urls = np.char.add(np.char.add("https://shop.example", paths), queries)
    vnum = (visitors + first_visitor).astype(str)
    vid = np.char.add("v", vnum)
    user = np.where(names == "identify", np.char.add("u", vnum), None)
    vital = rng.gamma(2.0, 900.0, n).round(1)
    props = np.where(
        names == "web_vital",
        np.char.add(np.char.add('{"name":"LCP","value":', vital.astype(str)), "}"),
        None,
    )
    received = pa.array(t.astype("datetime64[us]"), pa.timestamp("us", tz="UTC"))
    nets = rng.integers(0, 2000, n)
    ips = np.char.add(np.char.add("81.2.", (nets % 250).astype(str)), ".0/24")
    table = pa.table(
        {
            "event_id": np.char.add(prefix, np.arange(n).astype(str)),
            "event": names,
            "timestamp": np.char.add(ts, "Z"),
            "sent_at": pa.nulls(n, pa.string()),
            "visitor_id": vid,
            "session_id": np.char.add(prefix + "s", sess.astype(str)),
            "user_id": pa.array(user, pa.string()),
            "url": urls,
            "referrer": pa.array(np.array(REFS, dtype=object)[rng.integers(0, len(REFS), n)]),
            "title": paths,
            "properties": pa.array(props, pa.string()),
            "received_at": received,
            "project_id": np.full(n, "shop"),
            "ip_trunc": ips,
            "user_agent": np.array(UAS)[rng.integers(0, len(UAS), n)],
            "ingest_batch_id": np.full(n, prefix),
            "received_date": pc.cast(received, pa.date32()),
        }
    )
    return table.sort_by("received_at")  # the collector commits in arrival order


def land(table: pa.Table, commit_rows: int, root: str) -> None:
    from lake import io
    from lake.registry import RAW_EVENTS

    for i in range(0, table.num_rows, commit_rows):
        io.append(RAW_EVENTS, table.slice(i, commit_rows), root=root)


def seed_bronze(base: Path, events: int, commit_rows: int) -> Path:
    """The seed lake with `events` bronze events, generated on first use, then reused."""
    seed = base / f"seed-v{SEED_VERSION}-{events}"
    done = seed / "complete"
    if done.exists():
        print(f"reusing bronze seed {seed}", flush=True)
        return seed / "lake"
    shutil.rmtree(seed, ignore_errors=True)
    t0 = time.perf_counter()
    chunk = 1_000_000  # generate in pieces to bound memory
    for i, lo in enumerate(range(0, events, chunk)):
        part = synth(min(chunk, events - lo), START, 30, 1 + i, f"b{i}-", lo // 20)
        land(part, commit_rows, str(seed / "lake"))
    done.write_text(f"{events}\n")
    print(f"landed {events:,} bronze events in {time.perf_counter() - t0:.1f} s", flush=True)
    return seed / "lake"


def fresh_copy(seed_lake: Path, run: Path) -> None:
    """run/lake/bronze/raw_events = the seed's bronze; data files hard-linked (immutable)."""
    shutil.rmtree(run, ignore_errors=True)
    src = seed_lake / "bronze" / "raw_events"

    def link_or_copy(a: str, b: str) -> None:
        if a.endswith(".parquet"):
            os.link(a, b)
        else:
            shutil.copy2(a, b)

    shutil.copytree(src, run / "lake" / "bronze" / "raw_events", copy_function=link_or_copy)


def peak_mib() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, kids


def slowest_dbt_nodes(build: Path, k: int = 8) -> str:
    try:
        res = json.loads((build / "dbt_target" / "run_results.json").read_text())
    except (OSError, ValueError):
        return "(dbt did not run)"
    nodes = sorted(res["results"], key=lambda r: -r["execution_time"])[:k]
    tests = sum(r["execution_time"] for r in res["results"] if r["unique_id"].startswith("test."))
    top = ", ".join(f"{r['unique_id'].split('.')[2]} {r['execution_time']:.1f}" for r in nodes)
    return f"dbt {res['elapsed_time']:.1f} s in-process, tests {tests:.1f} s; slowest: {top}"


def step(label: str, n: int, build: Path) -> dict:
    from orchestration.pipeline import run_pipeline

    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    res = run_pipeline()
    wall = time.perf_counter() - t0
    own, kids = peak_mib()
    secs = " / ".join(f"{res.seconds.get(k, 0.0):.1f}" for k in ("enrich", "dbt_build", "publish"))
    print(
        f"| {label} | {n:,} | {wall:.1f} s | {secs} | {res.enrich.events:,} | "
        f"{own:,.0f} / {kids:,.0f} MiB | {load0:.1f}-{os.getloadavg()[0]:.1f} |",
        flush=True,
    )
    if "dbt_build" in res.seconds:
        print(f"  {slowest_dbt_nodes(build)}", flush=True)
    return {"wall": wall}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--incremental", type=int, default=10_000)
    ap.add_argument("--commit-rows", type=int, default=50_000)
    ap.add_argument(
        "--lake", default=None, help="work dir; its bronze seed is reused (default: temp, removed)"
    )
    ap.add_argument("--seed-only", action="store_true", help="only generate the bronze seed")
    args = ap.parse_args()
    base = Path(args.lake or tempfile.mkdtemp(prefix="bench-pipeline-")).resolve()
    seed = seed_bronze(base, args.events, args.commit_rows)
    if args.seed_only:
        return
    run = base / "run"
    fresh_copy(seed, run)
    os.environ["BEACONLAKE_LAKE_URI"] = str(run / "lake")
    os.environ["BEACONLAKE_DUCKDB_PATH"] = str(run / "build" / "bench.duckdb")
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    build = run / "build"
    print(f"load average before: {os.getloadavg()}", flush=True)
    print("| step | bronze events | wall | enrich / dbt / publish s | new silver rows | "
          "peak RSS self / dbt | load avg |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    step("cold run", args.events, build)
    if args.incremental:
        # A micro-batch: returning visitors (new SDK sessions) in the day after the seed's 30.
        batch = synth(args.incremental, START + dt.timedelta(days=30), 1, 2, "i-")
        land(batch, args.commit_rows, str(run / "lake"))
        step("incremental", args.incremental, build)
    step("no new data", 0, build)
    if not args.lake:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
