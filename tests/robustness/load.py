"""Load generation and bookkeeping for the robustness tests.

A `Ledger` remembers every event id the collector acknowledged (200): that is the set the lake
must hold afterwards. Rejected-for-now answers (429, 503) are retried with the SAME event ids,
as the SDKs do, so a batch whose commit landed after its 503 is deduplicated downstream.
"""

from __future__ import annotations

import collections
import datetime as dt
import itertools
import os
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

BROWSER_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
RETRYABLE = (429, 503)
REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Ledger:
    """What was acknowledged, what was only attempted, and every answer seen."""

    acked: list[str] = field(default_factory=list)
    attempted: set[str] = field(default_factory=set)
    statuses: collections.Counter = field(default_factory=collections.Counter)
    errors: list[str] = field(default_factory=list)  # answers no client should ever see
    bodies: dict[int, str] = field(default_factory=dict)  # the last body per retried status
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, status: int | str) -> None:
        with self.lock:
            self.statuses[status] += 1


_counter = itertools.count()


def batch(n: int, visitors: int = 200) -> list[dict]:
    """n page views of a small population of visitors (one session each), timed now."""
    now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    out = []
    for _ in range(n):
        i = next(_counter) % visitors
        out.append(
            {
                "event_id": str(uuid.uuid4()),
                "event": "page_view",
                "timestamp": now,
                "visitor_id": f"v_{i}",
                "session_id": f"s_{i}",
                "url": f"https://shop.example/p/{i % 17}?utm_source=news",
                "title": "Product",
            }
        )
    return out


def post_until_acked(
    client: httpx.Client, url: str, key: str, events: list[dict], ledger: Ledger,
    give_up: threading.Event,
) -> bool:  # fmt: skip
    """POST one batch, retrying 429/503/connection errors until 200 or `give_up` is set."""
    ids = [e["event_id"] for e in events]
    with ledger.lock:
        ledger.attempted.update(ids)
    body = {"api_key": key, "batch": events}
    while True:
        try:
            r = client.post(f"{url}/v1/events", json=body)
        except httpx.HTTPError as exc:
            ledger.note(type(exc).__name__)
            if give_up.is_set():
                return False
            time.sleep(0.2)
            continue
        ledger.note(r.status_code)
        if r.status_code == 200:
            if r.json() != {"accepted": len(events), "rejected": 0}:
                ledger.errors.append(f"200 {r.text[:200]}")
            with ledger.lock:
                ledger.acked.extend(ids)
            return True
        if r.status_code not in RETRYABLE:
            ledger.errors.append(f"{r.status_code} {r.text[:200]}")
            return False
        ledger.bodies[r.status_code] = r.text[:200]
        if give_up.is_set():
            return False
        time.sleep(min(float(r.headers.get("Retry-After", "1")), 1.0) / 4)


def steady_load(
    url: str, key: str, ledger: Ledger, stop: threading.Event, give_up: threading.Event,
    events_per_s: float, batch_size: int = 50,
) -> None:  # fmt: skip
    """One sender: batches at a fixed rate until `stop`; a slow answer delays, never bursts."""
    interval = batch_size / events_per_s
    with httpx.Client(timeout=60, headers={"User-Agent": BROWSER_UA}) as client:
        next_at = time.monotonic()
        while not stop.is_set():
            post_until_acked(client, url, key, batch(batch_size), ledger, give_up)
            next_at = max(next_at + interval, time.monotonic() - interval)
            time.sleep(max(0.0, next_at - time.monotonic()))


def start_load(
    url: str, key: str, ledger: Ledger, events_per_s: float, senders: int = 2, batch_size: int = 50
) -> tuple[threading.Event, threading.Event, list[threading.Thread]]:
    """Start `senders` threads sharing the rate; returns (stop, give_up, threads)."""
    stop, give_up = threading.Event(), threading.Event()
    threads = [
        threading.Thread(
            target=steady_load,
            args=(url, key, ledger, stop, give_up, events_per_s / senders, batch_size),
            daemon=True,
        )
        for _ in range(senders)
    ]
    for t in threads:
        t.start()
    return stop, give_up, threads


def stop_load(
    stop: threading.Event, give_up: threading.Event, threads: list[threading.Thread],
    grace_s: float = 30,
) -> None:  # fmt: skip
    """Stop sending; a batch still being retried gets `grace_s` to be acknowledged."""
    stop.set()
    deadline = time.monotonic() + grace_s
    for t in threads:
        t.join(max(0.1, deadline - time.monotonic()))
    give_up.set()
    for t in threads:
        t.join(30)


def wait_acked(ledger: Ledger, n: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while len(ledger.acked) < n:
        assert time.monotonic() < deadline, f"only {len(ledger.acked)} of {n} acknowledged"
        time.sleep(0.05)


# ----------------------------------------------------------------- processes


def process_tree(pid: int) -> list[int]:
    """pid and its descendants (uvicorn's supervisor and its workers), from /proc."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                children = Path(f"/proc/{p}/task/{task}/children").read_text().split()
                todo.extend(int(c) for c in children)
        except OSError:
            continue
    return out


def rss_kib(pid: int) -> int:
    """Resident memory of pid and its descendants, in KiB (VmRSS of /proc/<pid>/status)."""
    total = 0
    for p in process_tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def pipeline_cmd() -> list[str]:
    """`beaconlake pipeline run` of this virtualenv."""
    return [str(Path(sys.executable).with_name("beaconlake")), "pipeline", "run"]


def pipeline_env(lake_root: str, duckdb_path: str | Path) -> dict[str, str]:
    return dict(
        os.environ,
        BEACONLAKE_LAKE_URI=str(lake_root),
        BEACONLAKE_DUCKDB_PATH=str(duckdb_path),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        PYTHONUNBUFFERED="1",
    )


def run_pipeline_cli(
    lake_root: str, duckdb_path: str | Path, timeout: float = 300, nice: int = 0
) -> str:
    """One `beaconlake pipeline run` to completion; raises with its output when it fails."""
    p = subprocess.run(
        pipeline_cmd(), cwd=REPO_ROOT, env=pipeline_env(lake_root, duckdb_path),
        capture_output=True, text=True, timeout=timeout, check=False,
        preexec_fn=(lambda: os.nice(nice)) if nice else None,
    )  # fmt: skip
    assert p.returncode == 0, f"pipeline run failed ({p.returncode}): {p.stdout}{p.stderr}"
    return p.stdout
