"""Enrichment of the browser SDK's packed replay chunks (gzip+base64, cut parts)."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json

from lake.replay_codec import decode_chunks
from orchestration.enrich.run import enrich
from tests.orchestration.bronze import chunks, land, row

T0 = 1_795_000_000_000


def packed(seq: int, events: list[dict], **kw: object) -> dict:
    data = base64.b64encode(gzip.compress(json.dumps(events).encode())).decode()
    first, last = events[0]["timestamp"], events[-1]["timestamp"]
    return {
        "seq": seq,
        "enc": "gzip-base64",
        "first_ts": first,
        "last_ts": last,
        "count": len(events),
        "data": data,
        **kw,
    }


def test_packed_chunks_keep_seq_times_count_and_decode_in_order(lake_root: str) -> None:
    a = [{"type": 4, "timestamp": T0}, {"type": 2, "timestamp": T0 + 10}]
    b = [{"type": 3, "timestamp": T0 + 4000, "data": {"source": 2}}]
    big = packed(2000, [{"type": 3, "timestamp": T0 + 9000, "data": {"x": "y" * 50}}])
    cut = [big["data"][:20], big["data"][20:]]
    land(
        row(
            "r3",
            event="replay",
            properties={**big, "data": cut[1], "part": 1, "parts": 2, "seq": 2001, "count": 0},
        ),
        row("r1", event="replay", properties=packed(0, a)),
        row(
            "r2",
            event="replay",
            properties={
                "seq": 1000,
                "enc": "json",
                "first_ts": T0 + 4000,
                "last_ts": T0 + 4000,
                "count": 1,
                "data": json.dumps(b),
            },
        ),
        row("r1", event="replay", properties=packed(0, a)),  # a retry: same event_id
        row("r4", event="replay", properties={**big, "data": cut[0], "part": 0, "parts": 2}),
    )
    res = enrich()
    assert res.replay_chunks == 4
    got = chunks()
    assert [(c["event_id"], c["seq"], c["event_count"]) for c in got] == [
        ("r1", 0, 2),
        ("r2", 1000, 1),
        ("r4", 2000, 1),
        ("r3", 2001, 0),
    ]
    assert got[0]["first_ts"] == dt.datetime.fromtimestamp(T0 / 1000, dt.UTC)
    assert got[0]["last_ts"] == dt.datetime.fromtimestamp((T0 + 10) / 1000, dt.UTC)
    events = decode_chunks(got)
    assert [e["type"] for e in events] == [4, 2, 3, 3]
    assert events[-1]["data"] == {"x": "y" * 50}
