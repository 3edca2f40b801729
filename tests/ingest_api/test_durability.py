"""What got a 200 is in the lake: kill -9, two writers, SIGTERM drain."""

from __future__ import annotations

import itertools
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from lake import io
from lake.registry import RAW_EVENTS
from tests.conftest import CollectorProcess
from tests.ingest_api.helpers import event, raw_rows


def _load(url: str, key: str, stop: threading.Event, acked: list[str], size: int = 5) -> None:
    """Post batches until stopped or the collector is gone; remember ids answered 200."""
    with httpx.Client(timeout=30) as client:
        while not stop.is_set():
            evs = [event() for _ in range(size)]
            try:
                r = client.post(f"{url}/v1/events", json={"api_key": key, "batch": evs})
            except httpx.HTTPError:
                return
            if r.status_code == 200:
                acked.extend(e["event_id"] for e in evs)


def test_kill_9_loses_nothing_acknowledged(collector: CollectorProcess) -> None:
    stop, acked = threading.Event(), []
    threads = [
        threading.Thread(target=_load, args=(collector.url, collector.key, stop, acked))
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while len(acked) < 200 and time.monotonic() < deadline:
        time.sleep(0.05)
    collector.stop(signal.SIGKILL)  # mid-stream: requests are waiting in the buffer
    stop.set()
    for t in threads:
        t.join(30)
    assert len(acked) >= 200
    stored = [r["event_id"] for r in raw_rows(collector.lake_root)]
    assert set(acked) <= set(stored)
    assert len(stored) == len(set(stored))  # each commit landed once


def test_two_collectors_on_one_table_lose_nothing(start_collector) -> None:
    a, b = start_collector(), start_collector()
    acked: list[str] = []
    lock = threading.Lock()

    def send(url: str, n: int) -> None:
        with httpx.Client(timeout=60) as client:
            for _ in range(n):
                evs = [event() for _ in range(10)]
                r = client.post(f"{url}/v1/events", json={"api_key": a.key, "batch": evs})
                assert r.status_code == 200, r.text
                with lock:
                    acked.extend(e["event_id"] for e in evs)

    with ThreadPoolExecutor(6) as pool:
        futures = [pool.submit(send, c.url, 15) for c in (a, b, a, b, a, b)]
        for f in futures:
            f.result()
    stored = [r["event_id"] for r in raw_rows(a.lake_root)]
    assert len(acked) == 900
    assert sorted(stored) == sorted(acked)


def test_sigterm_commits_waiting_requests_then_exits(start_collector) -> None:
    # The timer alone would hold the requests for 2 minutes, past uvicorn's 30 s grace period
    # (their clients would then see errors): they get 200 only if SIGTERM commits at once.
    c = start_collector(flush_interval_ms=120_000)
    batches = [[event() for _ in range(3)] for _ in range(4)]
    with ThreadPoolExecutor(4) as pool:
        futures = [
            pool.submit(
                httpx.post,
                f"{c.url}/v1/events",
                json={"api_key": c.key, "batch": b},
                timeout=60,
            )
            for b in batches
        ]
        deadline = time.monotonic() + 30
        while "beaconlake_buffer_events 12.0" not in httpx.get(f"{c.url}/metrics").text:
            assert time.monotonic() < deadline, "requests never reached the buffer"
            time.sleep(0.05)
        rc = c.stop(signal.SIGTERM)
        answers = [f.result() for f in futures]
    assert [r.status_code for r in answers] == [200] * 4
    assert rc in (0, -signal.SIGTERM)
    stored = {r["event_id"] for r in raw_rows(c.lake_root)}
    assert stored == {e["event_id"] for b in batches for e in b}
    assert '"msg":"collector_stopped"' in c.logs()


def test_two_workers_serve_and_drain(start_collector) -> None:
    """`beaconlake collect --workers 2`: both workers commit, SIGTERM drains both."""
    c = start_collector(workers=2)
    batches = [[event() for _ in range(5)] for _ in range(12)]
    with ThreadPoolExecutor(6) as pool:
        answers = list(
            pool.map(
                lambda b: httpx.post(
                    f"{c.url}/v1/events", json={"api_key": c.key, "batch": b}, timeout=60
                ),
                batches,
            )
        )
    assert [r.status_code for r in answers] == [200] * len(batches)
    c.stop(signal.SIGTERM)
    assert c.logs().count('"msg":"collector_stopped"') == 2
    stored = sorted(r["event_id"] for r in raw_rows(c.lake_root))
    assert stored == sorted(e["event_id"] for b in batches for e in b)


def test_a_full_group_commits_before_the_timer(start_collector) -> None:
    """Below `flush_max_events` the timer (two minutes here) holds a request; once that many
    events wait, the group commits at once and every request in it gets its 200."""
    c = start_collector(flush_interval_ms=120_000, flush_max_events=5)
    first, rest = [event()], [event() for _ in range(4)]
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(
            httpx.post, f"{c.url}/v1/events", json={"api_key": c.key, **first[0]}, timeout=60
        )
        deadline = time.monotonic() + 30
        while "beaconlake_buffer_events 1.0" not in httpx.get(f"{c.url}/metrics").text:
            assert time.monotonic() < deadline, "the first request never reached the buffer"
            time.sleep(0.05)
        assert raw_rows(c.lake_root) == []  # held by the timer
        r = httpx.post(f"{c.url}/v1/events", json={"api_key": c.key, "batch": rest}, timeout=60)
        assert r.json() == {"accepted": 4, "rejected": 0}
        assert waiting.result().json() == {"accepted": 1, "rejected": 0}
    stored = {r["event_id"] for r in raw_rows(c.lake_root)}
    assert stored == {e["event_id"] for e in first + rest}


def test_commits_start_at_least_the_minimum_gap_apart(start_collector) -> None:
    """Under load groups would commit back to back, each adding a bronze file; the gap bounds
    the files (and so the cost of every later commit)."""
    c = start_collector(flush_interval_ms=1000, flush_max_events=1, flush_min_gap_ms=400)
    for _ in range(5):  # one after the other: each would commit at once without the gap
        r = httpx.post(f"{c.url}/v1/events", json={"api_key": c.key, **event()}, timeout=60)
        assert r.json() == {"accepted": 1, "rejected": 0}
    history = io.open_table(RAW_EVENTS, c.lake_root).history()
    # When each write started: its commit time less the write's own duration, which a busy
    # machine stretches by hundreds of ms (commit ends alone were once 245 ms apart).
    starts = sorted(
        h["timestamp"] - h["operationMetrics"]["execution_time_ms"]
        for h in history
        if h.get("operation") == "WRITE"
    )
    assert len(starts) == 5, history
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    # ms between write starts: the gap less the Arrow build and the hand-over to the writer's
    # thread; ~20 ms apart without the gap.
    assert min(gaps) >= 250, gaps
