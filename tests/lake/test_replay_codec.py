"""Replay payload decoding: order by seq, repeated seqs once, parts joined, gaps skipped."""

from __future__ import annotations

import base64
import gzip
import json

from lake.replay_codec import decode_chunks


def gz(events: list[dict]) -> str:
    return base64.b64encode(gzip.compress(json.dumps(events).encode())).decode()


def test_plain_lists_and_packed_chunks_in_seq_order() -> None:
    rows = [
        {"seq": 5, "payload": json.dumps({"enc": "json", "data": json.dumps([{"timestamp": 3}])})},
        {"seq": 0, "payload": json.dumps([{"timestamp": 1}])},
        {"seq": 2, "payload": json.dumps({"enc": "gzip-base64", "data": gz([{"timestamp": 2}])})},
        {"seq": 2, "payload": json.dumps({"enc": "gzip-base64", "data": gz([{"timestamp": 2}])})},
    ]
    assert [e["timestamp"] for e in decode_chunks(rows)] == [1, 2, 3]


def test_parts_are_joined_and_an_incomplete_cut_is_skipped() -> None:
    data = gz([{"timestamp": 7, "big": "x" * 100}])
    p = {"enc": "gzip-base64", "parts": 2}
    whole = [
        {"seq": 10, "payload": json.dumps({**p, "part": 0, "data": data[:9]})},
        {"seq": 11, "payload": json.dumps({**p, "part": 1, "data": data[9:]})},
    ]
    assert decode_chunks(whole) == [{"timestamp": 7, "big": "x" * 100}]
    assert decode_chunks(whole[1:]) == []
    assert decode_chunks([*whole[:1], {"seq": 3, "payload": "[]"}]) == []
