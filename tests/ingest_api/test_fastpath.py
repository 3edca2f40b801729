"""The msgspec fast path accepts only what every validation step accepts, and builds the same
rows; whatever it is unsure about goes to the exact path (None)."""

from __future__ import annotations

import datetime as dt

import orjson
import pytest

from ingest_api.envelope import parse_envelope
from ingest_api.fastpath import decode, make_decoder, split_fast
from ingest_api.rows import RequestMeta, split
from ingest_api.validate import STEPS, Limits, validate

L = Limits(max_string_chars=50, max_depth=4, max_properties_bytes=120)
DEC = make_decoder(L, max_batch=3)
BASE = {"event": "page_view", "timestamp": "2026-11-23T10:00:00Z", "event_id": "e1",
        "visitor_id": "v1", "url": "https://x/", "properties": {"a": 1}}  # fmt: skip


def deep(n: int) -> dict:
    d: dict = {}
    for _ in range(n - 1):
        d = {"k": d}
    return d


CASES = [
    {},
    {"event": None}, {"event": ""}, {"event": 5}, {"event": "e" * 200}, {"event": "e" * 201},
    {"timestamp": None}, {"timestamp": 17}, {"timestamp": "t" * 64}, {"timestamp": "t" * 65},
    {"event_id": None}, {"event_id": ""}, {"event_id": 3}, {"event_id": "i" * 201},
    {"url": "u" * 50}, {"url": "u" * 51}, {"user_id": 42}, {"title": ["x"]}, {"sent_at": 1},
    {"visitor_id": ""}, {"properties": [1]}, {"properties": "s"}, {"context": {"lang": "en"}},
    {"properties": deep(3)}, {"properties": deep(4)}, {"properties": deep(5)},
    {"properties": {"t": "[[[[["}}, {"properties": {"b": "z" * 90}},
    {"properties": {"b": "z" * 130}}, {"event": "replay", "properties": {"b": "z" * 500}},
    {"context": {"a": [[[1]]]}}, {"properties": {"é": "ü"}},
]  # fmt: skip


def meta() -> RequestMeta:
    now = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
    return RequestMeta(now, "p", "1.2.3.0", "ua", "b", lambda: "v_derived")


@pytest.mark.parametrize("change", CASES, ids=[str(c)[:40] for c in CASES])
def test_fast_path_agrees_with_the_steps(change: dict) -> None:
    ev = {**BASE, **change}
    ev = {k: v for k, v in ev.items() if not (k == "event" and "event" in change and v is None)}
    body = orjson.dumps({"api_key": "k", "sent_at": "s", "batch": [ev]})
    fast = decode(DEC, body)
    chunk = split_fast(fast, meta(), L) if fast is not None else None
    exact = split(orjson.loads(body)["batch"], "s", meta(), L, STEPS)
    if chunk is None:
        return  # the exact path decides; nothing to compare
    assert validate(orjson.loads(orjson.dumps(ev)), L) is None, "fast path accepted a bad event"
    assert len(chunk.accepted) == 1 and len(exact.accepted) == 1
    f, x = chunk.accepted[0], exact.accepted[0]
    assert f[1:10] == x[1:10]
    assert f[0] == x[0] if ev.get("event_id") else len(f[0]) == len(x[0]) == 36
    for a, b in zip(f[10:], x[10:], strict=True):
        assert (a is None and b is None) or orjson.loads(a) == orjson.loads(b)


@pytest.mark.parametrize("change", CASES, ids=[str(c)[:40] for c in CASES])
def test_single_event_fast_path_agrees_with_the_exact_path(change: dict) -> None:
    ev = {**BASE, **change, "sent_at": "s1"} if "sent_at" not in change else {**BASE, **change}
    body = orjson.dumps({"api_key": "k", **ev})
    fast = decode(DEC, body)
    chunk = split_fast(fast, meta(), L) if fast is not None else None
    env = parse_envelope(body, 3)
    exact = split(env.events, env.sent_at, meta(), L, STEPS)
    if chunk is None:
        return  # the exact path decides
    assert fast.api_key == env.api_key == "k"
    assert len(chunk.accepted) == len(exact.accepted) == 1, "fast path accepted a bad event"
    f, x = chunk.accepted[0], exact.accepted[0]
    assert f[1:10] == x[1:10]  # incl. the event's own sent_at
    for a, b in zip(f[10:], x[10:], strict=True):
        assert (a is None and b is None) or orjson.loads(a) == orjson.loads(b)


def test_fast_path_takes_plain_batches_and_leaves_the_rest() -> None:
    ok = orjson.dumps({"api_key": "k", "batch": [BASE, BASE]})
    assert split_fast(decode(DEC, ok), meta(), L) is not None
    single = decode(DEC, orjson.dumps({"api_key": "k", **BASE}))
    assert single.api_key == "k" and single.sent_at is None and len(single.batch) == 1
    assert decode(DEC, orjson.dumps({"api_key": 5, **BASE})) is None  # exact path: 400
    assert decode(DEC, orjson.dumps({"batch": [BASE] * 4})) is None  # over max_batch
    assert decode(DEC, b'{"batch": [{"event": "a", "timestamp": "t", "x": "\xff"}]}') is None
    no_id = orjson.dumps({"batch": [{"event": "a", "timestamp": "t"}]})
    [row] = split_fast(decode(DEC, no_id), meta(), L).accepted
    assert len(row[0]) == 36 and row[4] == "v_derived"


def test_nesting_past_msgspecs_recursion_limit_goes_to_the_exact_path() -> None:
    deep_props = b'{"a":' * 100_000 + b"1" + b"}" * 100_000
    body = b'{"batch":[{"event":"x","timestamp":"t","properties":' + deep_props + b"}]}"
    assert decode(DEC, body) is None  # was RecursionError → 500


def test_batch_wide_object_checks_find_one_bad_object_among_good_ones() -> None:
    """The object checks run over a batch's texts joined: one bad object still sends the batch
    to the exact path, and a batch whose objects only together pass a limit stays fast."""
    fine = {**BASE, "properties": {"b": "z" * 90}}  # ~100 bytes: three together pass the cap
    no_props = {k: v for k, v in BASE.items() if k != "properties"}
    ok = decode(DEC, orjson.dumps({"batch": [fine, no_props, fine]}))
    chunk = split_fast(ok, meta(), L)
    assert chunk is not None and [r[10] is None for r in chunk.accepted] == [False, True, False]
    for bad in ({"properties": deep(5)}, {"context": {"b": "z" * 130}}, {"properties": [1]}):
        body = orjson.dumps({"batch": [fine, {**BASE, **bad}, no_props]})
        assert split_fast(decode(DEC, body), meta(), L) is None, bad
