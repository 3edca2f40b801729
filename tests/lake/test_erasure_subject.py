"""Erasure of a person named by the hash of their id (the dashboard → Dagster path)."""

from __future__ import annotations

import pytest

from lake import erasure, erasure_log, io
from lake.registry import TABLES
from tests.lake import erasure_data as data


def _ids(table: str, column: str = "event_id") -> set[str]:
    return set(io.read_arrow(TABLES[table], [column]).column(column).to_pylist())


def test_a_hashed_person_is_found_and_erased_like_the_id(lake_root: str) -> None:
    data.build(lake_root)
    subject = erasure_log.person_subject(data.PERSON)
    result = erasure.forget_person_by_subject(subject)
    assert result.status == "done"
    assert _ids("raw_events") == {"e5", "e6", "e7"}
    assert _ids("sessions", "session_id") == {"s_x1", "s_q1", "s_z1"}
    [row] = erasure_log.list_requests()
    assert (row["subject"], row["status"]) == (subject, "done")


def test_a_visitor_id_is_found_by_its_hash_too(lake_root: str) -> None:
    data.build(lake_root)
    erasure.forget_person_by_subject(erasure_log.person_subject("v_q"))
    assert "e6" not in _ids("raw_events") and "e6" not in _ids("events")
    assert "e5" in _ids("events")


def test_an_unknown_hash_is_logged_done_with_nothing_deleted(lake_root: str) -> None:
    data.build(lake_root)
    result = erasure.forget_person_by_subject(erasure_log.person_subject("nobody"))
    assert (result.status, result.total) == ("done", 0)
    assert len(_ids("raw_events")) == 7
    assert [r["status"] for r in erasure_log.list_requests()] == ["done"]


def test_a_malformed_subject_is_refused_before_anything_is_logged(lake_root: str) -> None:
    data.build(lake_root)
    with pytest.raises(ValueError, match="sha256"):
        erasure.forget_person_by_subject("user_42")
    assert erasure_log.list_requests() == []
