"""Invalid events inside a valid batch go to rejected_events with a reason; retries keep ids."""

from __future__ import annotations

import httpx
import orjson

from tests.conftest import CollectorProcess
from tests.ingest_api.helpers import event, post, raw_rows, rejected_rows


def _deep(levels: int) -> dict:
    d: dict = {}
    for _ in range(levels):
        d = {"x": d}
    return d


def test_bad_events_are_rejected_with_reasons_batch_still_accepted(
    collector: CollectorProcess,
) -> None:
    good = event()
    bad = {
        "missing_event": event(event=None),
        "event_name_too_long": event("e" * 201),
        "bad_timestamp_type": event(timestamp=1732356000000),
        "string_too_long": event(url="https://x/" + "a" * 9000),
        "too_deep": event(properties=_deep(30)),
        "properties_too_large": event(properties={"blob": "z" * 70_000}),
        "properties_not_object": event(properties=[1, 2]),
        "bad_field_type": event(user_id={"id": 1}),
    }
    batch = [good, *bad.values(), "just a string"]
    r = post(collector.url, {"api_key": collector.key, "batch": batch})
    assert r.status_code == 200, r.text
    assert r.json() == {"accepted": 1, "rejected": len(bad) + 1}
    assert [row["event_id"] for row in raw_rows(collector.lake_root)] == [good["event_id"]]
    rows = rejected_rows(collector.lake_root)
    by_id = {row["event_id"]: row for row in rows if row["event_id"]}
    for reason, ev in bad.items():
        row = by_id[ev["event_id"]]
        assert row["reason"] == reason
        assert row["detail"]
        assert orjson.loads(row["payload"]) == ev  # the event as sent
        assert row["project_id"] == "test"
        assert row["ip_trunc"] == "127.0.0.0"
    [not_obj] = [row for row in rows if row["event_id"] is None]
    assert not_obj["reason"] == "not_an_object"
    assert orjson.loads(not_obj["payload"]) == "just a string"
    metrics = httpx.get(f"{collector.url}/metrics").text
    assert 'beaconlake_events_rejected_total{reason="too_deep"} 1.0' in metrics


def test_single_event_key_is_not_kept_in_rejected_payload(collector: CollectorProcess) -> None:
    ev = event(event="", api_key=collector.key)
    assert post(collector.url, ev).json() == {"accepted": 0, "rejected": 1}
    [row] = rejected_rows(collector.lake_root)
    assert row["reason"] == "missing_event"
    assert collector.key not in row["payload"]


def test_retried_batch_keeps_event_ids(collector: CollectorProcess) -> None:
    """A client retry (same events, new sent_at) is stored again with the same event_ids, so
    enrichment can drop the copy."""
    evs = [event(), event("click")]
    first = {"api_key": collector.key, "sent_at": "2026-11-23T10:00:05.000Z", "batch": evs}
    retry = {**first, "sent_at": "2026-11-23T10:00:35.000Z"}
    assert post(collector.url, first).status_code == 200
    assert post(collector.url, retry).status_code == 200
    rows = raw_rows(collector.lake_root)
    assert sorted((r["event_id"], r["sent_at"]) for r in rows) == sorted(
        (e["event_id"], s) for e in evs for s in (first["sent_at"], retry["sent_at"])
    )
    assert len({r["ingest_batch_id"] for r in rows}) == 2
