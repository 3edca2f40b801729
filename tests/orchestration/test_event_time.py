"""event_time per SPEC 3, through a real enrichment run on a temp lake."""

from __future__ import annotations

import datetime as dt

import pytest

from orchestration.enrich import enrich
from tests.orchestration.bronze import RECEIVED, land, row, silver

UTC = dt.UTC


def _one(lake_root: str, **kw: object) -> tuple[dt.datetime, str]:
    land(row("e1", **kw))
    enrich()
    got = silver()["e1"]
    return got["event_time"], got["event_time_source"]


def test_sent_at_corrects_a_skewed_client_clock(lake_root: str) -> None:
    # The client clock runs 1 h fast: timestamp and sent_at both carry the offset.
    t, src = _one(lake_root, timestamp="2026-11-23T10:59:50Z", sent_at="2026-11-23T11:00:00Z")
    assert (t, src) == (RECEIVED - dt.timedelta(seconds=10), "skew_corrected")


def test_without_sent_at_the_client_timestamp_is_used(lake_root: str) -> None:
    t, src = _one(lake_root, timestamp="2026-11-23T09:30:00.250+01:00")
    assert (t, src) == (dt.datetime(2026, 11, 23, 8, 30, 0, 250_000, tzinfo=UTC), "client")


def test_a_time_with_no_zone_is_utc(lake_root: str) -> None:
    t, src = _one(lake_root, timestamp="2026-11-23T09:00:00")
    assert (t, src) == (dt.datetime(2026, 11, 23, 9, tzinfo=UTC), "client")


def test_more_than_23_hours_ahead_is_clamped(lake_root: str) -> None:
    t, src = _one(lake_root, timestamp="2026-11-24T09:00:01Z")
    assert (t, src) == (RECEIVED, "clamped")


def test_just_under_23_hours_ahead_is_kept(lake_root: str) -> None:
    t, src = _one(lake_root, timestamp="2026-11-24T09:00:00Z")
    assert (t, src) == (dt.datetime(2026, 11, 24, 9, tzinfo=UTC), "client")


@pytest.mark.parametrize("bad", ["yesterday", "", None, "2026-13-45T99:00:00Z"])
def test_unparseable_falls_back_to_received_at(lake_root: str, bad: str | None) -> None:
    t, src = _one(lake_root, timestamp=bad, sent_at="2026-11-23T10:00:00Z")
    assert (t, src) == (RECEIVED, "received_fallback")


def test_unparseable_sent_at_is_ignored(lake_root: str) -> None:
    t, src = _one(lake_root, timestamp="2026-11-23T09:00:00Z", sent_at="soon")
    assert (t, src) == (dt.datetime(2026, 11, 23, 9, tzinfo=UTC), "client")


def test_epoch_milliseconds_are_accepted(lake_root: str) -> None:
    ms = int(dt.datetime(2026, 11, 23, 9, 0, 0, 500_000, tzinfo=UTC).timestamp() * 1000)
    t, src = _one(lake_root, timestamp=str(ms))
    assert (t, src) == (dt.datetime(2026, 11, 23, 9, 0, 0, 500_000, tzinfo=UTC), "client")


def test_event_date_follows_the_corrected_time(lake_root: str) -> None:
    land(row("e1", timestamp="2026-11-22T23:59:00Z"))
    enrich()
    assert silver()["e1"]["event_date"] == dt.date(2026, 11, 22)
