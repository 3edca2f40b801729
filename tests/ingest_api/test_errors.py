"""Every error answer leaves the lake unchanged and says what is wrong in a JSON body."""

from __future__ import annotations

import gzip
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import orjson

from lake.keys import create_key
from tests.conftest import CollectorProcess
from tests.ingest_api.helpers import event, raw_rows, rejected_rows

MiB = 1_048_576


def _post(c: CollectorProcess, content: bytes | Iterator[bytes], **headers: str) -> httpx.Response:
    return httpx.post(f"{c.url}/v1/events", content=content, headers=headers, timeout=60)


def _assert_error(r: httpx.Response, status: int, error: str) -> None:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["error"] == error
    assert "detail" in body


def test_bad_bodies_keys_and_sizes_store_nothing(collector: CollectorProcess) -> None:
    c = collector
    key = c.key
    ok_batch = {"api_key": key, "batch": [event()]}
    # 400: not JSON, not an object, empty, broken gzip, batch not a list.
    _assert_error(_post(c, b"{not json"), 400, "not_json")
    _assert_error(_post(c, b"[1, 2]"), 400, "not_an_object")
    _assert_error(_post(c, b""), 400, "empty_body")
    _assert_error(_post(c, b"\x1f\x8b garbage", **{"Content-Encoding": "gzip"}), 400, "bad_gzip")
    body = orjson.dumps({"api_key": key, "batch": {"event": "x"}})
    _assert_error(_post(c, body), 400, "bad_batch")
    # 401: missing, unknown, secret key.
    _assert_error(_post(c, orjson.dumps({"batch": [event()]})), 401, "missing_key")
    bad = orjson.dumps({"api_key": "bl_pub_nope", "batch": [event()]})
    _assert_error(_post(c, bad), 401, "unknown_key")
    _, secret = create_key("test", "secret", root=c.lake_root)
    sec = orjson.dumps({"batch": [event()]})
    _assert_error(_post(c, sec, Authorization=f"Bearer {secret}"), 401, "secret_key")
    # 413: too many events, too large (declared, chunked), gzip bomb.
    many = orjson.dumps({"api_key": key, "batch": [event() for _ in range(501)]})
    _assert_error(_post(c, many), 413, "too_many_events")
    big = orjson.dumps({**ok_batch, "pad": "x" * MiB})
    _assert_error(_post(c, big), 413, "body_too_large")

    def chunks() -> Iterator[bytes]:  # no Content-Length: Transfer-Encoding: chunked
        yield orjson.dumps(ok_batch)[:-1] + b', "pad": "'
        for _ in range(20):
            yield b"x" * 65_536
        yield b'"}'

    _assert_error(_post(c, chunks()), 413, "body_too_large")
    bomb = gzip.compress(orjson.dumps({**ok_batch, "pad": "0" * (50 * MiB)}), 9)
    assert len(bomb) < 100_000  # 50 MiB decompressed from a few KB
    _assert_error(_post(c, bomb, **{"Content-Encoding": "gzip"}), 413, "body_too_large")
    # Nothing was stored by any of these.
    assert raw_rows(c.lake_root) == []
    assert rejected_rows(c.lake_root) == []
    # And the collector still works.
    assert _post(c, orjson.dumps(ok_batch)).json() == {"accepted": 1, "rejected": 0}
    assert len(raw_rows(c.lake_root)) == 1


def test_rate_limit_is_per_project(start_collector, lake_root: str) -> None:
    _, other_key = create_key("other", "write", root=lake_root)
    c = start_collector(rate_limit_events_per_s=0.001, rate_limit_burst=10)
    ten = orjson.dumps({"api_key": c.key, "batch": [event() for _ in range(10)]})
    assert _post(c, ten).status_code == 200
    r = _post(c, orjson.dumps({"api_key": c.key, "batch": [event()]}))
    _assert_error(r, 429, "rate_limited")
    assert r.headers["retry-after"] == "1"
    r = _post(c, orjson.dumps({"api_key": other_key, "batch": [event()]}))
    assert r.json() == {"accepted": 1, "rejected": 0}
    rows = raw_rows(lake_root)
    assert sorted(r["project_id"] for r in rows).count("test") == 10
    assert [r["project_id"] for r in rows].count("other") == 1


def test_full_buffer_answers_503(start_collector, lake_root: str) -> None:
    """A request that finds the buffer full is refused at once; waiting ones still commit."""
    c = start_collector(buffer_max_events=20, flush_interval_ms=3000)
    first = [event() for _ in range(15)]
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(_post, c, orjson.dumps({"api_key": c.key, "batch": first}))
        # Wait until the first request's events sit in the buffer (the flush is 3 s away).
        deadline = time.monotonic() + 30
        while "beaconlake_buffer_events 15.0" not in httpx.get(f"{c.url}/metrics").text:
            assert time.monotonic() < deadline, "first request never reached the buffer"
            time.sleep(0.05)
        r = _post(c, orjson.dumps({"api_key": c.key, "batch": [event() for _ in range(6)]}))
        _assert_error(r, 503, "buffer_full")
        assert r.headers["retry-after"] == "1"
        assert waiting.result().json() == {"accepted": 15, "rejected": 0}
    assert {r["event_id"] for r in raw_rows(lake_root)} == {e["event_id"] for e in first}
