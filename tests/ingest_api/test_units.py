"""Pure helpers: body limits and gzip, envelopes, IP handling, rate limits, Arrow rows, salts."""

from __future__ import annotations

import asyncio
import datetime as dt
import gzip
import zlib
from pathlib import Path

import orjson
import pyarrow.parquet as pq
import pytest

from ingest_api.body import gunzip_capped, read_capped
from ingest_api.committer import BronzeWriter
from ingest_api.envelope import parse_envelope
from ingest_api.errors import ApiError
from ingest_api.privacy import client_ip, ip_trunc, parse_networks, visitor_hash
from ingest_api.ratelimit import RateLimiter
from ingest_api.rows import RequestMeta, raw_events_table, rejected_events_table, split
from ingest_api.salts import SALTS, salt_for
from ingest_api.validate import STEPS, Limits
from lake import io
from lake.registry import RAW_EVENTS, REJECTED_EVENTS


def test_gunzip_stops_a_bomb_at_the_cap() -> None:
    bomb = gzip.compress(b"0" * 10_000_000)
    with pytest.raises(ApiError) as e:
        gunzip_capped(bomb, 1000)
    assert e.value.status == 413
    assert gunzip_capped(gzip.compress(b"x" * 1000), 1000) == b"x" * 1000
    with pytest.raises(ApiError) as e:
        gunzip_capped(gzip.compress(b"x" * 1000)[:-10], 5000)
    assert e.value.status == 400


def test_read_capped_chunked() -> None:
    async def chunks(parts):
        for p in parts:
            yield p

    run = asyncio.run
    assert run(read_capped(chunks([b"ab", b"cd"]), 4, False, None)) == b"abcd"
    with pytest.raises(ApiError):
        run(read_capped(chunks([b"ab", b"cde"]), 4, False, None))
    with pytest.raises(ApiError):
        run(read_capped(chunks([b"a"]), 4, False, 5))  # declared length over the cap
    z = zlib.compressobj(wbits=31)
    data = z.compress(b"y" * 3000) + z.flush()
    parts = [data[i : i + 7] for i in range(0, len(data), 7)]
    assert run(read_capped(chunks(parts), 3000, True, None)) == b"y" * 3000
    with pytest.raises(ApiError):
        run(read_capped(chunks(parts), 2999, True, None))


def test_envelope_forms() -> None:
    env = parse_envelope(b'{"api_key":"k","sent_at":"s","batch":[{"event":"a"}]}', 500)
    assert (env.api_key, env.sent_at, env.events) == ("k", "s", [{"event": "a"}])
    env = parse_envelope(b'{"api_key":"k","event":"a"}', 500)
    assert (env.api_key, env.events) == ("k", [{"event": "a"}])  # key removed from the event
    for body, status in [(b"nope", 400), (b"[]", 400), (b'{"batch":1}', 400),
                         (b'{"api_key":5,"event":"a"}', 400),
                         (orjson.dumps({"batch": [{}] * 3}), 413)]:  # fmt: skip
        with pytest.raises(ApiError) as e:
            parse_envelope(body, 2)
        assert e.value.status == status


def test_ip_truncation() -> None:
    assert ip_trunc("203.0.113.77") == "203.0.113.0"
    assert ip_trunc("2001:db8:1:2::5") == "2001:db8:1::"
    assert ip_trunc("::ffff:203.0.113.77") == "203.0.113.0"
    assert ip_trunc("not an ip") is None


def test_forwarded_for_trust() -> None:
    proxies = parse_networks(["10.0.0.0/8"])
    xff = "1.1.1.1, 198.51.100.7, 10.0.0.5"
    assert client_ip("10.0.0.1", xff, proxies) == "198.51.100.7"
    assert client_ip("192.0.2.1", xff, proxies) == "192.0.2.1"  # untrusted peer
    assert client_ip("10.0.0.1", None, proxies) == "10.0.0.1"
    assert client_ip("10.0.0.1", xff, []) == "10.0.0.1"


def test_visitor_hash() -> None:
    a = visitor_hash(b"s1", "p", "1.2.3.4", "ua")
    assert a == visitor_hash(b"s1", "p", "1.2.3.4", "ua")
    assert a != visitor_hash(b"s2", "p", "1.2.3.4", "ua")  # next day's salt
    assert a != visitor_hash(b"s1", "q", "1.2.3.4", "ua")  # other project
    assert "1.2.3.4" not in a


def test_rate_limiter_is_per_project() -> None:
    rl = RateLimiter(rate_per_s=0.0001, burst=5)
    assert rl.allow("a", 5)
    assert not rl.allow("a", 1)
    assert rl.allow("b", 1)


def _meta(batch: str) -> RequestMeta:
    now = dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC)
    return RequestMeta(now, "p", "1.2.3.0", "ua", batch, lambda: "v_derived")


def test_split_and_arrow_tables() -> None:
    evs = [{"event": "a", "timestamp": "t", "event_id": "1", "properties": {"x": 1}},
           {"event": "b", "timestamp": "t"}, {"timestamp": "t", "event_id": "3"}]  # fmt: skip
    c1 = split(evs, "sent", _meta("b1"), Limits(), STEPS)
    c2 = split([{"event": "c", "timestamp": "t", "visitor_id": "v9"}], None, _meta("b2"),
               Limits(), STEPS)  # fmt: skip
    raw = raw_events_table([c1, c2])
    assert raw.schema == RAW_EVENTS.schema
    rows = raw.to_pylist()
    assert [r["event"] for r in rows] == ["a", "b", "c"]
    assert [r["ingest_batch_id"] for r in rows] == ["b1", "b1", "b2"]
    assert [r["visitor_id"] for r in rows] == ["v_derived", "v_derived", "v9"]
    assert [r["sent_at"] for r in rows] == ["sent", "sent", None]
    assert rows[0]["properties"] == '{"x":1}' and rows[1]["event_id"]
    assert rows[0]["received_date"] == dt.date(2026, 11, 23)
    rej = rejected_events_table([c1, c2])
    assert rej.schema == REJECTED_EVENTS.schema
    assert rej.to_pylist()[0] | {"received_at": None} == {
        "received_at": None, "project_id": "p", "reason": "missing_event",
        "detail": "`event` is required", "event_id": "3",
        "payload": '{"timestamp":"t","event_id":"3"}', "ip_trunc": "1.2.3.0",
        "user_agent": "ua", "ingest_batch_id": "b1", "received_date": dt.date(2026, 11, 23),
    }  # fmt: skip
    # The committer writes these as built (no second cast): the same as conformed ones.
    written = BronzeWriter.tables([c1, c2])
    assert [t for t, _ in written] == [REJECTED_EVENTS, RAW_EVENTS]
    for (table, data), built in zip(written, [rej, raw], strict=True):
        assert data.equals(io.conform(table, built)) and data.schema == table.schema


def test_salts_are_shared_and_expire(lake_root: str) -> None:
    today = dt.date(2026, 11, 23)
    old = salt_for(today - dt.timedelta(days=3), lake_root)
    s1 = salt_for(today, lake_root)
    assert s1 == salt_for(today, lake_root) and s1 != old and len(s1) == 32
    days = io.read_arrow(SALTS, ["day"], root=lake_root).column("day").to_pylist()
    assert days == [today]  # the salt of three days ago was deleted
    # ... and vacuumed: no data file of the table holds it any more.
    files = list(Path(io.table_uri(SALTS, lake_root)).rglob("*.parquet"))
    assert files
    kept = [s for f in files for s in pq.read_table(f).column("salt").to_pylist()]
    assert old.hex() not in kept and s1.hex() in kept
    # Nor does the Delta log: the table keeps no column statistics, so no file has the salt.
    everything = b"".join(f.read_bytes() for f in Path(io.table_uri(SALTS, lake_root)).rglob("*")
                          if f.is_file())  # fmt: skip
    assert old.hex().encode() not in everything and s1.hex().encode() in everything
