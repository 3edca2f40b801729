"""Retention deletes exactly the rows older than each layer's setting, and nothing else."""

from __future__ import annotations

import datetime as dt

import pytest

from beaconlake.settings import get_settings
from lake import io
from lake.registry import EVENTS, RAW_EVENTS, REJECTED_EVENTS, REPLAY_CHUNKS
from lake.retention import apply_retention, cutoff

NOW = dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC)


def _day(d: str) -> dt.datetime:
    return dt.datetime.fromisoformat(d).replace(hour=23, minute=59, tzinfo=dt.UTC)


def _build(days: list[str]) -> None:
    for i, d in enumerate(days):
        when = _day(d)
        base = {"received_at": when, "project_id": "shop", "ingest_batch_id": "b"}
        io.append(
            RAW_EVENTS, [{**base, "event_id": f"e{i}", "event": "x", "received_date": when.date()}]
        )
        io.append(
            REJECTED_EVENTS,
            [{**base, "reason": "r", "event_id": f"e{i}", "received_date": when.date()}],
        )
        io.append(
            REPLAY_CHUNKS,
            [
                {
                    "event_id": f"e{i}",
                    "project_id": "shop",
                    "session_id": "s",
                    "seq": i,
                    "payload": "[]",
                    "received_at": when,
                    "event_date": when.date(),
                }
            ],
        )
        io.append(EVENTS, [{**base, "event_id": f"e{i}", "event": "x", "event_time": when,
                            "event_time_source": "client", "visitor_id": "v", "person_id": "v",
                            "channel": "direct", "device_type": "desktop", "is_bot": False,
                            "bronze_version": 0, "event_date": when.date()}])  # fmt: skip


def _ids(table) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(io.read_arrow(table, ["event_id"]).column("event_id").to_pylist())


def _set(monkeypatch: pytest.MonkeyPatch, **values: object) -> None:
    for k, v in values.items():
        if v is None:
            monkeypatch.delenv(f"BEACONLAKE_{k.upper()}", raising=False)  # the default: keep
        else:
            monkeypatch.setenv(f"BEACONLAKE_{k.upper()}", str(v))
    get_settings.cache_clear()


DAYS = ["2026-11-23", "2026-11-10", "2026-10-25", "2026-10-24", "2026-10-01"]


def test_replay_kept_30_days_bronze_kept_forever_by_default(
    lake_root: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _build(DAYS)
    _set(monkeypatch, replay_retention_days=30, bronze_retention_days=None)
    assert apply_retention(now=NOW) == {"silver/replay_chunks": 2}
    assert _ids(REPLAY_CHUNKS) == ["e0", "e1", "e2"]  # 10-25 is the 30th day, kept
    assert _ids(RAW_EVENTS) == _ids(REJECTED_EVENTS) == ["e0", "e1", "e2", "e3", "e4"]
    assert len(_ids(EVENTS)) == 5


def test_bronze_retention_deletes_old_raw_and_rejected_rows(
    lake_root: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _build(DAYS)
    _set(monkeypatch, replay_retention_days=365, bronze_retention_days=14)
    got = apply_retention(now=NOW)
    assert got == {"bronze/raw_events": 3, "bronze/rejected_events": 3, "silver/replay_chunks": 0}
    assert _ids(RAW_EVENTS) == _ids(REJECTED_EVENTS) == ["e0", "e1"]  # 11-10 is day 14
    assert len(_ids(REPLAY_CHUNKS)) == 5 and len(_ids(EVENTS)) == 5
    assert apply_retention(now=NOW)["bronze/raw_events"] == 0  # idempotent


def test_absent_tables_are_left_absent(lake_root: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _set(monkeypatch, bronze_retention_days=1)
    assert apply_retention(now=NOW) == {
        "bronze/raw_events": 0,
        "bronze/rejected_events": 0,
        "silver/replay_chunks": 0,
    }
    assert io.open_table(RAW_EVENTS) is None


def test_cutoff_counts_today_and_refuses_zero() -> None:
    assert cutoff(1, NOW) == dt.date(2026, 11, 23)
    assert cutoff(None, NOW) is None
    with pytest.raises(ValueError, match="at least 1 day"):
        cutoff(0, NOW)
