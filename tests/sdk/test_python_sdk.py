"""The Python SDK against the real collector: events land in bronze raw_events, once each.

Covers batching within the SPEC limits, gzip, retries across a collector restart (each event
exactly once), a 503 whose commit landed (same event_id, new sent_at), no retry on 4xx, the
bounded queue, and flushing at shutdown and at interpreter exit.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from beaconlake_sdk import Client, make_event, split_batches
from beaconlake_sdk.envelope import MAX_BODY_BYTES, body, dumps

from lake import io
from lake.registry import RAW_EVENTS

REPO = Path(__file__).resolve().parents[2]


def raw_rows(lake_root: str) -> list[dict]:
    return io.read_arrow(RAW_EVENTS, root=lake_root).to_pylist()


def wait_for(predicate: Callable[[], bool], what: str, limit_s: float = 60) -> None:
    """Poll until true (a readiness wait, not a timing assertion)."""
    deadline = time.monotonic() + limit_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


# --- the envelope, without a collector -------------------------------------------------------


def test_envelope_has_spec_fields_and_batches_respect_limits() -> None:
    ev = make_event("signup", visitor_id="v_1", properties={"when": dt.date(2026, 1, 2)})
    doc = json.loads(body("bl_pub_x", [dumps(ev)]))
    assert set(doc) == {"api_key", "sent_at", "batch"}
    assert doc["sent_at"].endswith("Z")
    sent = doc["batch"][0]
    assert sent["event"] == "signup" and sent["visitor_id"] == "v_1"
    assert sent["properties"] == {"when": "2026-01-02"}
    assert sent["context"]["lib"] == "beaconlake-python"
    assert len(sent["event_id"]) == 36 and sent["timestamp"].endswith("Z")

    small = [dumps(make_event("e", visitor_id="v", properties={"i": i})) for i in range(1201)]
    assert [len(b) for b in split_batches(small)] == [500, 500, 201]
    big = [dumps(make_event("e", visitor_id="v", properties={"p": "x" * 100_000}))] * 25
    batches = split_batches(big)
    assert sum(len(b) for b in batches) == 25
    assert all(len(body("bl_pub_x", b)) <= MAX_BODY_BYTES for b in batches)
    assert len(batches) >= 3


def test_bad_input_is_refused_at_capture() -> None:
    client = Client("bl_pub_x", "http://127.0.0.1:9", flush_at_exit=False)
    try:
        with pytest.raises(ValueError):
            client.capture("", "v_1")
        with pytest.raises(ValueError):
            client.capture("x" * 201, "v_1")
        with pytest.raises(ValueError):
            client.capture("e")  # nobody
        with pytest.raises(ValueError):
            client.capture("e", "v_1", {"bad": float("nan")})
        with pytest.raises(TypeError):
            client.capture("e", "v_1", {"bad": object()})
        with pytest.raises(ValueError):
            client.identify("")
        assert client.stats.queued == 0
    finally:
        client.shutdown(0)


def test_capture_after_shutdown_is_dropped_not_raised() -> None:
    client = Client("bl_pub_x", "http://127.0.0.1:9", flush_at_exit=False)
    assert client.shutdown(5)
    client.capture("late", "v_1")  # e.g. from another atexit hook: must not crash the app
    assert client.stats.dropped == 1 and client.stats.requests == 0


# --- against the collector ------------------------------------------------------------------


def test_capture_and_identify_land_in_raw_events(collector) -> None:
    with Client(collector.key, collector.url) as client:
        when = dt.datetime(2026, 11, 20, 8, 30, tzinfo=dt.UTC)
        ids = [
            client.capture("signup", "v_1", {"plan": "pro", "seats": 3}, timestamp=when),
            client.capture("invoice_paid", user_id="u_9", properties={"amount": 12.5}),
            client.identify("u_1", {"email": "a@example.com"}, visitor_id="v_1"),
        ]
    rows = {r["event_id"]: r for r in raw_rows(collector.lake_root)}
    assert sorted(rows) == sorted(ids)
    signup, paid, ident = (rows[i] for i in ids)
    assert signup["event"] == "signup" and signup["visitor_id"] == "v_1"
    assert json.loads(signup["properties"]) == {"plan": "pro", "seats": 3}
    assert signup["timestamp"] == "2026-11-20T08:30:00.000Z"
    assert paid["user_id"] == "u_9" and paid["visitor_id"] == "u_9"
    assert ident["event"] == "identify" and ident["user_id"] == "u_1"
    assert ident["visitor_id"] == "v_1"
    assert json.loads(ident["properties"]) == {"email": "a@example.com"}
    for r in rows.values():
        assert r["project_id"] == collector.project_id
        assert r["sent_at"] and r["user_agent"].startswith("beaconlake-python/")
        assert json.loads(r["context"])["lib"] == "beaconlake-python"
    assert client.stats.accepted == 3 and client.stats.failed == 0


def test_large_volume_is_split_gzipped_and_lands_once(collector) -> None:
    client = Client(collector.key, collector.url, flush_at=500, flush_at_exit=False)
    # ~1.4 KB an event: 1200 events are over 1 MiB; every body is over 2 KB, so gzip-encoded.
    pad = "lorem ipsum " * 120
    ids = {client.capture("bulk", f"v_{i % 7}", {"i": i, "pad": pad}) for i in range(1200)}
    assert client.flush(120)
    stats = client.stats
    client.shutdown()
    rows = raw_rows(collector.lake_root)
    assert Counter(r["event_id"] for r in rows) == Counter(ids)
    assert stats.accepted == 1200 and stats.rejected == 0 and stats.failed == 0
    assert stats.requests >= 3  # 500 events a batch at most, 1 MiB at most


def test_retry_across_collector_restart_lands_each_event_once(start_collector) -> None:
    first = start_collector()
    client = Client(first.key, first.url, flush_interval=0.05, max_retries=10)
    before = client.capture("before_outage", "v_1")
    assert client.flush(60)
    first.stop()
    during = [client.capture("during_outage", "v_1", {"i": i}) for i in range(5)]
    wait_for(lambda: client.stats.retries >= 1, "a failed send")
    # The collector comes back on the same address (a restart, a deploy).
    port = int(first.url.rsplit(":", 1)[1])
    start_collector.__globals__["_free_port"], saved = (
        lambda: port,
        start_collector.__globals__["_free_port"],
    )
    try:
        second = start_collector()
    finally:
        start_collector.__globals__["_free_port"] = saved
    assert second.url == first.url
    assert client.flush(120)
    stats = client.stats
    client.shutdown()
    rows = raw_rows(first.lake_root)
    assert Counter(r["event_id"] for r in rows) == Counter([before, *during])
    assert stats.failed == 0 and stats.retries >= 1


def test_503_after_commit_is_retried_with_same_event_id(start_collector) -> None:
    """A commit that lands after the collector gave up (503) is the case event_id exists for:
    the retry carries the same ids with a new sent_at, so silver keeps one of each."""
    cp = start_collector(commit_timeout_s=0.0001)
    client = Client(cp.key, cp.url, max_retries=1, flush_at_exit=False)
    ids = [client.capture("slow_lake", "v_1", {"i": i}) for i in range(3)]
    assert client.flush(60)
    stats = client.stats
    client.shutdown()
    assert stats.retries == 1 and stats.failed == 3  # both tries answered 503
    # Both commits land after their answers; wait for the second one.
    wait_for(lambda: len(raw_rows(cp.lake_root)) >= 6, "both commits")
    rows = raw_rows(cp.lake_root)
    by_id: dict[str, list[dict]] = {}
    for r in rows:
        by_id.setdefault(r["event_id"], []).append(r)
    assert set(by_id) == set(ids)
    resent = [rs for rs in by_id.values() if len(rs) > 1]
    assert resent, "the retry should have landed a second copy"
    for copies in resent:
        assert len({c["sent_at"] for c in copies}) == len(copies)  # sent_at is per send


def test_4xx_is_not_retried_and_stores_nothing(collector) -> None:
    client = Client("bl_pub_not_a_key", collector.url, flush_at_exit=False)
    client.capture("e", "v_1")
    client.capture("e", "v_2")
    assert client.flush(30)
    stats = client.stats
    client.shutdown()
    assert stats.failed == 2 and stats.requests == 1 and stats.retries == 0
    assert client.last_errors[0].startswith("HTTP 401")
    assert raw_rows(collector.lake_root) == []


def test_full_queue_drops_and_counts_and_oversized_events_are_dropped(collector) -> None:
    for on_full in ("drop_oldest", "drop_new"):
        client = Client(
            collector.key,
            collector.url,
            max_queue_size=5,
            on_full=on_full,
            flush_at=1000,
            flush_interval=3600,
            flush_at_exit=False,
        )
        for i in range(8):
            client.capture("q", on_full, {"i": i})
        assert client.stats.dropped == 3 and client.stats.queued == 5
        assert client.shutdown(60)
    client = Client(collector.key, collector.url, flush_at_exit=False)
    client.capture("huge", "big", {"blob": "x" * (MAX_BODY_BYTES + 10)})
    client.capture("fine", "big")
    assert client.shutdown(60)
    assert client.stats.dropped == 1

    kept: dict[str, list[int | None]] = {}
    for r in raw_rows(collector.lake_root):
        kept.setdefault(r["visitor_id"], []).append(json.loads(r["properties"]).get("i"))
    assert sorted(kept["drop_oldest"]) == [3, 4, 5, 6, 7]
    assert sorted(kept["drop_new"]) == [0, 1, 2, 3, 4]
    assert kept["big"] == [None]  # only "fine" was sent


def test_shutdown_and_interpreter_exit_flush(collector) -> None:
    client = Client(collector.key, collector.url, flush_at=1000, flush_interval=3600)
    client.capture("at_shutdown", "v_1")
    assert client.shutdown(60)
    script = (
        "from beaconlake_sdk import Client\n"
        f"c = Client({collector.key!r}, {collector.url!r}, flush_at=1000, flush_interval=3600)\n"
        "for i in range(20): c.capture('at_exit', 'v_2', {'i': i})\n"
    )  # no flush, no shutdown: atexit must send them
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, timeout=120)
    assert done.returncode == 0
    names = Counter(r["event"] for r in raw_rows(collector.lake_root))
    assert names == {"at_shutdown": 1, "at_exit": 20}
