"""Each validation step, alone: a pure function of the event and the limits."""

from __future__ import annotations

import pytest

from ingest_api import validate as v
from ingest_api.validate import Limits, RejectReason

L = Limits(max_event_name=200, max_string_chars=50, max_depth=3, max_properties_bytes=100)
GOOD = {"event": "page_view", "timestamp": "2026-11-23T10:00:00Z", "event_id": "e1",
        "url": "https://x/", "properties": {"a": {"b": 1}}, "context": {"lang": "en"}}  # fmt: skip


def reason(step, ev) -> RejectReason | None:
    r = step(ev, L)
    return None if r is None else r.reason


def test_good_event_passes_every_step() -> None:
    assert all(step(dict(GOOD), L) is None for step in v.STEPS)
    assert v.validate(dict(GOOD), L) is None


@pytest.mark.parametrize("ev", [[1], "x", 3, None])
def test_is_object(ev) -> None:
    assert reason(v.is_object, ev) == RejectReason.not_an_object


@pytest.mark.parametrize(
    ("name", "expected"),
    [(None, "missing_event"), ("", "missing_event"), (5, "bad_event_type"),
     ("e" * 201, "event_name_too_long"), ("e" * 200, None)],
)  # fmt: skip
def test_has_event_name(name, expected) -> None:
    assert reason(v.has_event_name, {**GOOD, "event": name}) == expected


def test_event_missing_key() -> None:
    ev = dict(GOOD)
    del ev["event"]
    assert reason(v.has_event_name, ev) == RejectReason.missing_event


@pytest.mark.parametrize(
    ("ts", "expected"),
    [(None, "missing_timestamp"), (1732356000000, "bad_timestamp_type"),
     ("x" * 65, "string_too_long"), ("2026-11-23T10:00:00", None)],
)  # fmt: skip
def test_has_timestamp(ts, expected) -> None:
    assert reason(v.has_timestamp, {**GOOD, "timestamp": ts}) == expected


@pytest.mark.parametrize(
    ("eid", "expected"),
    [(None, None), ("", "bad_event_id"), (7, "bad_event_id"), ("x" * 201, "bad_event_id")],
)
def test_event_id(eid, expected) -> None:
    assert reason(v.event_id_ok, {**GOOD, "event_id": eid}) == expected


def test_string_fields() -> None:
    assert reason(v.string_fields_ok, {**GOOD, "title": "t" * 51}) == RejectReason.string_too_long
    assert reason(v.string_fields_ok, {**GOOD, "title": "t" * 50}) is None
    assert reason(v.string_fields_ok, {**GOOD, "user_id": 42}) == RejectReason.bad_field_type
    assert reason(v.string_fields_ok, {**GOOD, "user_id": None}) is None


def test_objects() -> None:
    assert reason(v.objects_ok, {**GOOD, "properties": [1]}) == "properties_not_object"
    assert reason(v.objects_ok, {**GOOD, "context": "x"}) == "properties_not_object"
    assert reason(v.objects_ok, {**GOOD, "properties": None}) is None


def test_depth_counts_objects_and_arrays() -> None:
    assert reason(v.depth_ok, {**GOOD, "properties": {"a": {"b": {"c": 1}}}}) is None  # 3
    assert reason(v.depth_ok, {**GOOD, "properties": {"a": {"b": {"c": {}}}}}) == "too_deep"
    assert reason(v.depth_ok, {**GOOD, "properties": {"a": [[{"x": 1}]]}}) == "too_deep"
    assert reason(v.depth_ok, {**GOOD, "context": {"a": [[1]]}}) is None


def test_size_limit_with_replay_exempt() -> None:
    big = {"blob": "z" * 200}
    assert reason(v.size_ok, {**GOOD, "properties": big}) == "properties_too_large"
    assert reason(v.size_ok, {**GOOD, "event": "replay", "properties": big}) is None


def test_validate_returns_first_rejection_and_accepts_new_steps() -> None:
    ev = {**GOOD, "event": "", "timestamp": None}
    assert v.validate(ev, L).reason == RejectReason.missing_event

    def no_test_events(e, limits):
        return v.Rejection(RejectReason.bad_field_type, "test") if e["event"] == "t" else None

    steps = [*v.STEPS, no_test_events]
    assert v.validate({**GOOD, "event": "t"}, L, steps).detail == "test"
    assert v.validate(dict(GOOD), L, steps) is None
