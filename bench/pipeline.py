"""Pipeline benchmark: N synthetic bronze events end to end, then an incremental batch.

    .venv/bin/python bench/pipeline.py --events 1000000 [--incremental 10000] [--lake DIR]

Writes bronze directly (in collector-sized commits of `--commit-rows`), then times
`orchestration.pipeline.run_pipeline()` (enrich → dbt build → publish gold) cold, then again
after `--incremental` new events. Peak memory: this process's max RSS (enrich, publish) and the
largest child's (the dbt subprocess). Prints a Markdown table row per step.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import shutil
import tempfile
import time

import numpy as np
import pyarrow as pa

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


def synth(n: int, start: dt.datetime, seed: int, prefix: str) -> pa.Table:
    """n bronze rows: ~20 events a visitor, sessions of ~8 events, 30 days of traffic."""
    rng = np.random.default_rng(seed)
    visitors = rng.integers(0, max(n // 20, 1), n)
    sess = visitors * 4 + rng.integers(0, 4, n)
    offs = rng.integers(0, 30 * 86400 * 1000, n)
    t = np.datetime64(start.replace(tzinfo=None), "ms") + offs.astype("timedelta64[ms]")
    ts = np.datetime_as_string(t, unit="ms")
    names = np.array(NAMES)[rng.integers(0, len(NAMES), n)]
    paths = np.array(PATHS)[rng.integers(0, len(PATHS), n)]
    queries = np.array(QUERIES)[rng.integers(0, len(QUERIES), n)]
    urls = np.char.add(np.char.add("https://shop.example", paths), queries)
    vid = np.char.add("v", visitors.astype(str))
    user = np.where(names == "identify", np.char.add("u", visitors.astype(str)), None)
    vital = rng.gamma(2.0, 900.0, n).round(1)
    props = np.where(
        names == "web_vital",
        np.char.add(np.char.add('{"name":"LCP","value":', vital.astype(str)), "}"),
        None,
    )
    received = pa.array(t.astype("datetime64[us]"), pa.timestamp("us", tz="UTC"))
    nets = rng.integers(0, 2000, n)
    ips = np.char.add(np.char.add("81.2.", (nets % 250).astype(str)), ".0/24")
    return pa.table(
        {
            "event_id": np.char.add(prefix, np.arange(n).astype(str)),
            "event": names,
            "timestamp": np.char.add(ts, "Z"),
            "sent_at": None if n == 0 else pa.nulls(n, pa.string()),
            "visitor_id": vid,
            "session_id": np.char.add("s", sess.astype(str)),
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
            "received_date": pa.compute.cast(received, pa.date32()),
        }
    )


def land(table: pa.Table, commit_rows: int) -> None:
    from lake import io
    from lake.registry import RAW_EVENTS

    for i in range(0, table.num_rows, commit_rows):
        io.append(RAW_EVENTS, table.slice(i, commit_rows))


def peak_mib() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, kids


def step(label: str, n: int) -> dict:
    from orchestration.pipeline import run_pipeline

    t0 = time.perf_counter()
    res = run_pipeline()
    wall = time.perf_counter() - t0
    own, kids = peak_mib()
    secs = " / ".join(f"{res.seconds[k]:.1f}" for k in ("enrich", "dbt_build", "publish"))
    print(
        f"| {label} | {n:,} | {wall:.1f} s | {secs} | {res.enrich.events:,} | "
        f"{own:,.0f} / {kids:,.0f} MiB |",
        flush=True,
    )
    return {"wall": wall}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--incremental", type=int, default=10_000)
    ap.add_argument("--commit-rows", type=int, default=50_000)
    ap.add_argument("--lake", default=None, help="work dir (default: a temp dir, removed after)")
    args = ap.parse_args()
    work = args.lake or tempfile.mkdtemp(prefix="bench-pipeline-")
    os.environ["BEACONLAKE_LAKE_URI"] = os.path.join(work, "lake")
    os.environ["BEACONLAKE_DUCKDB_PATH"] = os.path.join(work, "build", "bench.duckdb")
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    start = dt.datetime(2026, 10, 20, tzinfo=dt.UTC)
    t0 = time.perf_counter()
    land(synth(args.events, start, 1, "b"), args.commit_rows)
    print(f"landed {args.events:,} bronze events in {time.perf_counter() - t0:.1f} s", flush=True)
    print("| step | bronze events | wall | enrich / dbt / publish s | new silver rows | "
          "peak RSS self / dbt |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    step("cold run", args.events)
    if args.incremental:
        land(synth(args.incremental, start + dt.timedelta(days=30), 2, "i"), args.commit_rows)
        step("incremental", args.incremental)
    step("no new data", 0)
    if not args.lake:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
