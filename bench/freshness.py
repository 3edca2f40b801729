"""Freshness benchmark: seconds from a POST to the collector until the event's row is in gold,
with the stack's collector and `dagster dev` (UI + daemon, bronze sensor) running.

    .venv/bin/python bench/freshness.py --repeats 5 [--events 100000]

Starts the services as `beaconlake up` does (beaconlake.stack; temp lake and DAGSTER_HOME,
telemetry off), optionally lands `--events` synthetic bronze events first (bench/pipeline.py's
generator) and waits for the first micro-batch to publish them; then `--repeats` times: POST one
page_view with a unique event_id, poll gold `page_views` for that event_id every 0.5 s, and
report the seconds. Prints every sample, the median and the load average.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import socket
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def in_gold(event_id: str) -> bool:
    from lake import io
    from lake.registry import PAGE_VIEWS

    try:
        rows = io.read_arrow(PAGE_VIEWS, ["event_id"], filters=[("event_id", "=", event_id)])
    except Exception:  # a table being created; try again
        return False
    return rows.num_rows > 0


def post_event(url: str, key: str) -> str:
    now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    event_id = str(uuid.uuid4())
    body = {
        "api_key": key,
        "batch": [
            {
                "event_id": event_id,
                "event": "page_view",
                "timestamp": now,
                "visitor_id": f"fresh-{event_id[:8]}",
                "session_id": f"fresh-s-{event_id[:8]}",
                "url": "https://shop.example/fresh",
                "title": "Fresh",
            }
        ],
    }
    ua = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"
    r = httpx.post(f"{url}/v1/events", json=body, headers={"User-Agent": ua}, timeout=30)
    r.raise_for_status()
    return event_id


def wait_for(event_id: str, timeout: float) -> float:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if in_gold(event_id):
            return time.perf_counter() - t0
        time.sleep(0.5)
    raise TimeoutError(f"event {event_id} not in gold after {timeout:.0f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--events", type=int, default=0, help="synthetic bronze events landed first")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--work", default=None, help="work dir (default: temp, removed after)")
    args = ap.parse_args()
    work = Path(args.work or tempfile.mkdtemp(prefix="bench-freshness-")).resolve()
    lake, data = work / "lake", work / "data"
    data.mkdir(parents=True, exist_ok=True)
    os.environ["BEACONLAKE_LAKE_URI"] = str(lake)
    os.environ["BEACONLAKE_DUCKDB_PATH"] = str(work / "build" / "beaconlake.duckdb")
    os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"

    from beaconlake.settings import get_settings
    from beaconlake.stack import Service, Stack, python_tool, wait_healthy
    from lake import keys
    from orchestration.home import prepare_dagster_home

    _, key = keys.create_key("fresh")
    if args.events:
        from bench.pipeline import START, land, synth

        land(synth(args.events, START, 30, 1, "b-"), 50_000, str(lake))
    env = {
        "BEACONLAKE_LAKE_URI": str(lake),
        "BEACONLAKE_DUCKDB_PATH": os.environ["BEACONLAKE_DUCKDB_PATH"],
        "DAGSTER_HOME": str(prepare_dagster_home(data / "dagster_home")),
        "DAGSTER_DISABLE_TELEMETRY": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "PATH": os.pathsep.join([str(Path(python_tool("dbt")).parent), os.environ["PATH"]]),
    }
    cport, dport = free_port(), free_port()
    url = f"http://127.0.0.1:{cport}"
    services = [
        Service("collector", [python_tool("beaconlake"), "collect", "--port", str(cport)],
                f"{url}/healthz", env),
        Service("dagster", [python_tool("dagster"), "dev", "-m", "orchestration.definitions",
                            "-p", str(dport)], f"http://127.0.0.1:{dport}/server_info", env,
                nice=get_settings().batch_nice),  # as `beaconlake up` starts it
    ]  # fmt: skip
    samples: list[float] = []
    try:
        with Stack(services, data / "logs"):
            wait_healthy(services, timeout=args.timeout)
            print(f"stack up; load average {os.getloadavg()}", flush=True)
            warm = wait_for(post_event(url, key), args.timeout)
            print(f"warm-up (first micro-batch, cold dbt build): {warm:.1f} s", flush=True)
            for i in range(args.repeats):
                load0 = os.getloadavg()[0]
                secs = wait_for(post_event(url, key), args.timeout)
                samples.append(secs)
                print(f"POST → gold #{i + 1}: {secs:.1f} s (load {load0:.1f})", flush=True)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    if samples:
        print(
            f"median {statistics.median(samples):.1f} s, min {min(samples):.1f} s, "
            f"max {max(samples):.1f} s over {len(samples)}; load average {os.getloadavg()}"
        )


if __name__ == "__main__":
    main()
