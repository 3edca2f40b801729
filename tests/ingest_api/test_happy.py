"""Happy paths against a real collector: each body form, encoding and key location."""

from __future__ import annotations

import gzip

import httpx
import orjson

from tests.conftest import CollectorProcess
from tests.ingest_api.helpers import event, post, raw_rows


def test_batch_in_body_is_committed(collector: CollectorProcess) -> None:
    evs = [event(), event("click", properties={"tag": "a"})]
    r = post(collector.url, {"api_key": collector.key, "sent_at": "2026-11-23T10:00:05Z",
                             "batch": evs})  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json() == {"accepted": 2, "rejected": 0}
    assert "server" not in r.headers  # names no software (and is one header less to write)
    rows = {r["event_id"]: r for r in raw_rows(collector.lake_root)}
    assert set(rows) == {e["event_id"] for e in evs}
    row = rows[evs[1]["event_id"]]
    assert row["event"] == "click"
    assert row["project_id"] == "test"
    assert row["sent_at"] == "2026-11-23T10:00:05Z"
    assert orjson.loads(row["properties"]) == {"tag": "a"}
    assert row["ip_trunc"] == "127.0.0.0"
    assert row["user_agent"].startswith("python-httpx")
    assert row["received_at"] is not None
    assert len(row["ingest_batch_id"]) == 24 and int(row["ingest_batch_id"], 16) >= 0


def test_single_event_with_key_inside(collector: CollectorProcess) -> None:
    ev = event(api_key=collector.key)
    r = post(collector.url, ev)
    assert r.json() == {"accepted": 1, "rejected": 0}
    [row] = raw_rows(collector.lake_root)
    assert row["event_id"] == ev["event_id"]


def test_text_plain_like_send_beacon(collector: CollectorProcess) -> None:
    body = orjson.dumps({"api_key": collector.key, "batch": [event()]})
    r = httpx.post(f"{collector.url}/v1/events", content=body,
                   headers={"Content-Type": "text/plain;charset=UTF-8",
                            "Origin": "https://shop.example"})  # fmt: skip
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "*"
    assert "set-cookie" not in r.headers
    assert len(raw_rows(collector.lake_root)) == 1


def test_gzip_body(collector: CollectorProcess) -> None:
    evs = [event() for _ in range(50)]
    body = gzip.compress(orjson.dumps({"api_key": collector.key, "batch": evs}))
    r = httpx.post(
        f"{collector.url}/v1/events",
        content=body,
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
    )
    assert r.json() == {"accepted": 50, "rejected": 0}
    assert len(raw_rows(collector.lake_root)) == 50


def test_bearer_and_header_keys(collector: CollectorProcess) -> None:
    a, b = event(), event()
    r1 = post(collector.url, {"batch": [a]}, headers={"Authorization": f"Bearer {collector.key}"})
    r2 = post(collector.url, {"batch": [b]}, headers={"X-Beaconlake-Key": collector.key})
    assert (r1.status_code, r2.status_code) == (200, 200)
    assert {r["event_id"] for r in raw_rows(collector.lake_root)} == {a["event_id"], b["event_id"]}


def test_missing_event_id_gets_one(collector: CollectorProcess) -> None:
    ev = event()
    del ev["event_id"]
    assert post(collector.url, {"api_key": collector.key, "batch": [ev]}).status_code == 200
    [row] = raw_rows(collector.lake_root)
    assert len(row["event_id"]) == 36


def test_cors_preflight(collector: CollectorProcess) -> None:
    r = httpx.options(
        f"{collector.url}/v1/events",
        headers={"Origin": "https://shop.example", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type"},
    )  # fmt: skip
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "*"
    assert "POST" in r.headers["access-control-allow-methods"]
    assert "access-control-allow-credentials" not in r.headers


def test_key_created_after_start_is_picked_up(collector: CollectorProcess) -> None:
    from lake.keys import create_key

    _, late = create_key("late shop", "write", root=collector.lake_root)
    r = post(collector.url, {"api_key": late, "batch": [event()]})
    assert r.json() == {"accepted": 1, "rejected": 0}
    [row] = raw_rows(collector.lake_root)
    assert row["project_id"] == "late-shop"
