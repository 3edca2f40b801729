"""Hostile input against a real collector: a 4xx or a counted row, never a 5xx, a hang or a
corrupted table. Every 200 answer is then checked against the lake: what was acknowledged is
there exactly once, and nothing from a 4xx request is."""

from __future__ import annotations

import gzip
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

from lake import io
from lake.registry import RAW_EVENTS, REJECTED_EVENTS
from tests.conftest import CollectorProcess

TS = "2026-11-23T10:00:01.003Z"
WRONG = [123, -1.5, True, None, [], {}, [1, "a"], {"a": {"b": [None]}}, "", "x" * 9000]
ENVELOPE_FIELDS = ["api_key", "sent_at", "batch"]
EVENT_FIELDS = [
    "event_id", "event", "timestamp", "sent_at", "visitor_id", "session_id", "user_id", "url",
    "referrer", "title", "properties", "context",
]  # fmt: skip


def _ev(**extra: Any) -> dict[str, Any]:
    return {"event_id": str(uuid.uuid4()), "event": "page_view", "timestamp": TS,
            "visitor_id": "v_h", "session_id": "s_h", **extra}  # fmt: skip


class Ledger:
    """Posts raw bytes and keeps what the collector acknowledged."""

    def __init__(self, c: CollectorProcess) -> None:
        self.c = c
        self.accepted = self.rejected = 0
        self.statuses: list[tuple[str, int]] = []

    def post(self, what: str, content: bytes | Iterator[bytes], **headers: str) -> int:
        headers.setdefault("Content-Type", "application/json")
        r = httpx.post(f"{self.c.url}/v1/events", content=content, headers=headers, timeout=30)
        assert r.status_code < 500, f"{what}: {r.status_code} {r.text[:300]}"
        assert r.status_code in (200, 400, 401, 413), f"{what}: {r.status_code} {r.text[:300]}"
        if r.status_code == 200:
            body = r.json()
            self.accepted += body["accepted"]
            self.rejected += body["rejected"]
        else:
            assert r.json()["error"], what  # a JSON error body that says what is wrong
        self.statuses.append((what, r.status_code))
        return r.status_code

    def batch(self, what: str, events: list[Any], **envelope: Any) -> int:
        doc = {"api_key": self.c.key, "batch": events, **envelope}
        return self.post(what, orjson.dumps(doc))


@pytest.fixture
def ledger(start_collector) -> Ledger:  # type: ignore[no-untyped-def]
    return Ledger(start_collector(flush_interval_ms=20))


def _raw_body(key: str, event_fields: str) -> bytes:
    """A batch of one event written by hand (JSON no serializer would produce)."""
    event = (
        "{"
        + event_fields
        + (',"timestamp":"' + TS + '"' if "timestamp" not in event_fields else "")
        + "}"
    )
    return ('{"api_key":"' + key + '","batch":[' + event + "]}").encode()


def _nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def test_hostile_bodies_get_4xx_or_rows_and_the_lake_stays_whole(ledger: Ledger) -> None:
    key = ledger.c.key
    # Gzip bomb: 50 MiB of zeros in ~50 KB; stopped after the 1 MiB cap.
    bomb = gzip.compress(b"0" * (50 * 1_048_576), compresslevel=9)
    assert ledger.post("gzip bomb", bomb, **{"Content-Encoding": "gzip"}) == 413
    # 100,000-deep JSON, as the body and inside an event's properties.
    assert ledger.post("deep body", ("[" * 100_000 + "]" * 100_000).encode()) == 400
    deep_props = (
        '{"api_key":"' + key + '","batch":[{"event":"x","timestamp":"' + TS + '",'
        '"properties":' + _nested(100_000) + "}]}"
    )
    assert ledger.post("deep properties", deep_props.encode()) == 400
    assert ledger.batch("25-deep properties", [_ev(properties=orjson.loads(_nested(25)))]) == 200
    # NUL bytes: raw in the body, escaped inside strings, in keys.
    assert ledger.post("raw NUL", b'{"api_key":"' + key.encode() + b'","batch":[\x00]}') == 400
    nul = "a\x00b"
    ledger.batch("escaped NULs", [_ev(event=nul, url=nul, title=nul, properties={nul: nul})])
    # Invalid UTF-8 and lone surrogates.
    bad_utf8 = b'{"api_key":"' + key.encode() + b'","batch":[{"event":"\xff\xfe","timestamp":"x"}]}'
    assert ledger.post("invalid UTF-8", bad_utf8) == 400
    ledger.post("lone surrogate", _raw_body(key, '"event":"\\ud800"'))
    ledger.post("bad UTF-8 key", b"\xc3\x28", **{"X-Beaconlake-Key": key})
    # Huge strings: over the field limit (rejected row), over the body cap (413).
    ledger.batch("900 KB url", [_ev(url="https://x.example/" + "a" * 900_000)])
    assert ledger.batch("2 MB title", [_ev(title="t" * 2_000_000)]) == 413
    ledger.batch("long event name", [_ev(event="e" * 201)])
    # Numbers out of range.
    for name, raw in [
        ("1e400", "1e400"), ("-1e400", "-1e400"), ("2**70", str(2**70)), ("-2**70", str(-(2**70))),
        ("NaN", "NaN"), ("Infinity", "Infinity"), ("1e-400", "1e-400"),
    ]:  # fmt: skip
        for field in ("timestamp", "properties", "event_id"):
            value = raw if field != "properties" else '{"n":' + raw + "}"
            ledger.post(f"{field}={name}", _raw_body(key, f'"event":"x","{field}":{value}'))
    # Wrong types in every envelope field and every event field.
    for field in ENVELOPE_FIELDS:
        for value in WRONG:
            doc = {"api_key": key, "batch": [_ev()], field: value}
            ledger.post(f"envelope {field}={value!r:.20}", orjson.dumps(doc))
    for field in EVENT_FIELDS:  # one batch per field: a bad event never fails its batch
        assert ledger.batch(f"event {field}", [_ev(**{field: v}) for v in WRONG]) == 200
    # Events that are not objects, and a single-event body of the wrong shape.
    ledger.batch("non-object events", [1, "x", None, [], True])
    ledger.post("top-level string", b'"hello"')
    ledger.post("top-level number", b"1e400")

    _assert_collector_alive_and_lake_matches(ledger)


def _assert_collector_alive_and_lake_matches(ledger: Ledger) -> None:
    c = ledger.c
    assert c.proc.poll() is None, c.logs()[-3000:]
    assert httpx.get(f"{c.url}/healthz", timeout=10).status_code == 200
    assert httpx.get(f"{c.url}/readyz", timeout=30).status_code == 200
    # A normal batch still works after all of it.
    assert ledger.batch("normal", [_ev(), _ev()]) == 200
    raw = io.read_arrow(RAW_EVENTS, root=c.lake_root)  # the tables still open and read
    rejected = io.read_arrow(REJECTED_EVENTS, root=c.lake_root)
    assert raw.num_rows == ledger.accepted
    assert rejected.num_rows == ledger.rejected
    assert len(set(raw.column("event_id").to_pylist())) == raw.num_rows
    assert ledger.rejected > 50 and ledger.accepted > 10
    assert set(rejected.column("reason").to_pylist()) >= {"too_deep", "string_too_long"}
    for table in (RAW_EVENTS, REJECTED_EVENTS):
        dt = io.open_table(table, c.lake_root)
        assert dt is not None
        for uri in dt.file_uris():  # every file of the current version decodes
            import pyarrow.parquet as pq

            pq.read_table(uri.removeprefix("file://"))
