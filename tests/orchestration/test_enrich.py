"""Enrichment as a whole: dedup, identity, replay routing, cursor and crash recovery."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from beaconlake.settings import get_settings
from lake import io
from lake.registry import EVENTS
from orchestration.enrich import cursor, enrich, writer
from tests.orchestration.bronze import RECEIVED, chunks, land, row, silver

LATER = RECEIVED + dt.timedelta(minutes=5)


def _rows(root: str | None = None) -> list[dict[str, Any]]:
    return sorted(io.read_arrow(EVENTS, root=root).to_pylist(), key=lambda r: r["event_id"])


def test_duplicates_within_and_across_batches_keep_the_first_received(lake_root: str) -> None:
    land(row("e1", title="first"), row("e1", title="retry", received_at=LATER), row("e2"))
    res = enrich()
    assert res.events == 2
    land(row("e1", title="late retry", received_at=LATER), row("e3"))
    assert enrich().events == 1
    got = silver()
    assert sorted(got) == ["e1", "e2", "e3"]
    assert got["e1"]["title"] == "first"


def test_a_retry_with_a_new_sent_at_is_the_same_event(lake_root: str) -> None:
    land(row("e1", timestamp="2026-11-23T09:59:00Z", sent_at="2026-11-23T09:59:30Z"))
    land(
        row(
            "e1",
            timestamp="2026-11-23T09:59:00Z",
            sent_at="2026-11-23T10:04:30Z",
            received_at=LATER,
        )
    )
    enrich()
    got = silver()
    assert len(got) == 1
    assert got["e1"]["event_time"] == RECEIVED - dt.timedelta(seconds=30)


@pytest.fixture
def batch_mode(lake_root: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """silver_person_rewrite="batch": earlier rows are rewritten in the enrichment commit."""
    monkeypatch.setenv("BEACONLAKE_SILVER_PERSON_REWRITE", "batch")
    get_settings.cache_clear()


def test_identify_rewrites_earlier_rows_of_the_visitor(lake_root: str, batch_mode: None) -> None:
    land(row("a1", visitor_id="v1"), row("a2", visitor_id="v1"), row("b1", visitor_id="v2"))
    enrich()
    assert {k: r["person_id"] for k, r in silver().items()} == {"a1": "v1", "a2": "v1", "b1": "v2"}
    land(
        row("a3", visitor_id="v1", event="identify", user_id="u1", received_at=LATER),
        row("a4", visitor_id="v1", received_at=LATER),
    )
    res = enrich()
    assert (res.events, res.person_rewrites) == (2, 2)
    persons = {k: r["person_id"] for k, r in silver().items()}
    assert persons == {"a1": "u1", "a2": "u1", "a3": "u1", "a4": "u1", "b1": "v2"}
    # Later anonymous events of an identified visitor belong to the user too.
    land(row("a5", visitor_id="v1", received_at=LATER + dt.timedelta(minutes=1)))
    res = enrich()
    assert (res.events, res.person_rewrites) == (1, 0)
    assert silver()["a5"]["person_id"] == "u1"
    assert len(_rows()) == 6


def test_first_user_of_a_visitor_wins_and_own_user_id_is_kept(lake_root: str) -> None:
    land(
        row("a1", visitor_id="v1"),
        row("a2", visitor_id="v1", event="identify", user_id="u1"),
        row("a3", visitor_id="v1", user_id="u2", received_at=LATER),
        row("a4", visitor_id="v1", received_at=LATER),
    )
    enrich()
    persons = {k: r["person_id"] for k, r in silver().items()}
    assert persons == {"a1": "u1", "a2": "u1", "a3": "u2", "a4": "u1"}


def test_replay_events_go_to_replay_chunks_not_events(lake_root: str) -> None:
    rr = [{"type": 2, "timestamp": 1_795_000_000_000}, {"type": 3, "timestamp": 1_795_000_002_000}]
    land(
        row("r2", event="replay", properties={"seq": 1, "events": rr[1:]}),
        row("r1", event="replay", properties={"seq": 0, "events": rr}),
        row("r1", event="replay", properties={"seq": 0, "events": rr}, received_at=LATER),
        row("e1"),
    )
    res = enrich()
    assert (res.events, res.replay_chunks) == (1, 2)
    assert sorted(silver()) == ["e1"]
    got = chunks()
    assert [(c["event_id"], c["session_id"], c["seq"], c["event_count"]) for c in got] == [
        ("r1", "s1", 0, 2),
        ("r2", "s1", 1, 1),
    ]
    assert got[0]["first_ts"] == dt.datetime(2026, 11, 18, 11, 6, 40, tzinfo=dt.UTC)
    assert got[0]["last_ts"] == dt.datetime(2026, 11, 18, 11, 6, 42, tzinfo=dt.UTC)
    assert '"type":2' in got[0]["payload"].replace(" ", "")


def test_cursor_lives_in_silver_and_moves_on_empty_batches(lake_root: str) -> None:
    assert enrich().bronze_version is None  # no bronze yet: nothing to do
    land(row("e1"))
    first = enrich()
    assert cursor.read_cursor() == first.bronze_version
    assert enrich().bronze_version is None  # nothing pending
    land(row("e1", received_at=LATER))  # only a duplicate
    dup = enrich()
    assert (dup.events, cursor.read_cursor()) == (0, dup.bronze_version)
    assert len(_rows()) == 1


def test_running_twice_and_rescanning_everything_changes_nothing(
    lake_root: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    land(row("a1", visitor_id="v1"), row("b1", visitor_id="v2"))
    enrich()
    land(row("a2", visitor_id="v1", event="identify", user_id="u1", received_at=LATER))
    enrich()
    before = _rows()
    assert enrich().bronze_version is None
    # A lost cursor means a full scan: dedup keeps silver the same (past the log:
    # test_enrich_past_log.py).
    monkeypatch.setattr(cursor, "read_cursor", lambda root=None: None)
    res = enrich()
    assert res.full_scan and res.events == 0
    assert _rows() == before


def test_crash_between_replay_and_events_commits_is_repaired_by_rerun(
    lake_root: str, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = [
        row("e1"),
        row("r1", event="replay", properties={"seq": 0, "events": []}),
        row("e2", visitor_id="v9", event="identify", user_id="u9"),
    ]
    # The reference: the same bronze processed without a crash, in another lake.
    ref = str(tmp_path / "ref")
    land(*batch, root=ref)
    enrich(ref)
    land(*batch)
    real_append = writer.append

    def crash(table, *a, **kw):  # type: ignore[no-untyped-def]
        if table is EVENTS:
            raise RuntimeError("killed")
        return real_append(table, *a, **kw)

    monkeypatch.setattr(writer, "append", crash)
    with pytest.raises(RuntimeError, match="killed"):
        enrich()
    assert [c["event_id"] for c in chunks()] == ["r1"] and silver() == {}
    monkeypatch.setattr(writer, "append", real_append)
    res = enrich()
    assert (res.events, res.replay_chunks) == (2, 0)
    assert _rows() == _rows(ref)
    assert chunks() == chunks(ref)


def test_an_error_after_the_commit_landed_does_not_double_rows(
    lake_root: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    land(row("e1"), row("e2"))
    real = writer.write_deltalake

    def land_then_fail(*a, **kw):  # type: ignore[no-untyped-def]
        real(*a, **kw)
        raise OSError("connection reset after commit")

    monkeypatch.setattr(writer, "write_deltalake", land_then_fail)
    res = enrich()
    assert res.events == 2
    monkeypatch.setattr(writer, "write_deltalake", real)
    assert enrich().bronze_version is None
    assert len(_rows()) == 2
