"""The replay module's size assumptions against the real collector: a batch of 20 replay events
at the SDK's largest piece (40,000 characters, MAX_DATA in sdk/js/src/replay-pack.js) fits the
1 MiB body, and replay properties are exempt from the properties size limit (64 KiB) that
refuses any other event that large."""

from __future__ import annotations

import random
import string

from tests.ingest_api.helpers import event, post, raw_rows, rejected_rows

MAX_DATA = 40_000


def _data(n: int, seed: int) -> str:
    return "".join(random.Random(seed).choices(string.ascii_letters + string.digits + "+/", k=n))


def _replay(seq: int, n: int) -> dict:
    props = {"seq": seq, "enc": "gzip-base64", "first_ts": 1, "last_ts": 2, "count": 1}
    return event("replay", properties={**props, "data": _data(n, seq)})


def test_a_full_batch_of_the_largest_pieces_is_accepted(collector) -> None:
    batch = [_replay(i, MAX_DATA) for i in range(20)]
    r = post(collector.url, {"api_key": collector.key, "batch": batch})
    assert r.status_code == 200 and r.json() == {"accepted": 20, "rejected": 0}
    assert sorted(row["event_id"] for row in raw_rows(collector.lake_root)) == sorted(
        e["event_id"] for e in batch
    )


def test_replay_is_exempt_from_the_properties_limit_other_events_are_not(collector) -> None:
    big = _replay(0, 70_000)
    other = event("signup", properties={"blob": _data(70_000, 1)})
    r = post(collector.url, {"api_key": collector.key, "batch": [big, other]})
    assert r.status_code == 200 and r.json() == {"accepted": 1, "rejected": 1}
    assert [row["event"] for row in raw_rows(collector.lake_root)] == ["replay"]
    assert [row["event_id"] for row in rejected_rows(collector.lake_root)] == [other["event_id"]]
