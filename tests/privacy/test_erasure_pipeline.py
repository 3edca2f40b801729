"""Erasure through the real pipeline: bronze → silver → dbt → gold, forget, rebuild.

After `forget` and the next pipeline run, gold (aggregates included) is as if the person had
never visited, and no file of the lake or of dbt's build folder holds their ids."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from beaconlake.settings import get_settings
from lake import erasure, io
from lake.registry import DAILY_STATS, PAGE_VIEWS, RAW_EVENTS, SESSIONS
from tests.lake import lake_scan
from tests.lake.erasure_data import _raw

DAY = dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC)
PERSON_IDS = ["user_42", "vis_a42", "vis_b42", "ses_a42", "ses_b42"]


def _bronze(root: str) -> None:
    rows = []
    # (event_id, event, visitor, session, user_id, minute)
    spec = [
        ("a1", "page_view", "vis_a42", "ses_a42", None, 0),
        ("a2", "identify", "vis_a42", "ses_a42", "user_42", 1),
        ("a3", "page_view", "vis_a42", "ses_a42", None, 2),
        ("b1", "page_view", "vis_b42", "ses_b42", "user_42", 5),
        ("x1", "page_view", "v_x", "s_x", None, 0),
        ("x2", "page_view", "v_x", "s_x", None, 3),
        ("y1", "page_view", "v_y", "s_y", None, 7),
    ]
    for eid, name, visitor, session, user, minute in spec:
        when = DAY + dt.timedelta(minutes=minute)
        row = _raw(eid, visitor, session, user, "shop", when)
        rows.append({**row, "event": name, "user_agent": "Mozilla/5.0 (X11; Linux x86_64)"})
    io.append(RAW_EVENTS, rows, root=root)


def _gold(table, column: str) -> set:  # type: ignore[no-untyped-def]
    return set(io.read_arrow(table, [column]).column(column).to_pylist())


@pytest.mark.timeout(600)
def test_forget_then_pipeline_rebuilds_gold_without_the_person(
    lake_root: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orchestration.pipeline import run_pipeline

    build = tmp_path / "build"
    monkeypatch.setenv("BEACONLAKE_DUCKDB_PATH", str(build / "beaconlake.duckdb"))
    get_settings.cache_clear()
    _bronze(lake_root)
    run_pipeline(lake_root)
    assert _gold(SESSIONS, "person_id") == {"user_42", "v_x", "v_y"}
    [day] = io.read_arrow(DAILY_STATS).to_pylist()
    assert (day["visitors"], day["sessions"], day["pageviews"]) == (4, 4, 6)
    assert lake_scan.find(build, ["user_42"])  # dbt's build file holds copies before

    result = erasure.forget_person("user_42", purge_now=True)
    assert result.rows_deleted["bronze/raw_events"] == 4
    assert result.rows_deleted["gold/sessions"] == 2
    assert any(k.startswith("duckdb:") and n > 0 for k, n in result.rows_deleted.items())
    run_pipeline(lake_root)

    assert _gold(SESSIONS, "person_id") == {"v_x", "v_y"}
    assert _gold(PAGE_VIEWS, "event_id") == {"x1", "x2", "y1"}
    [day] = io.read_arrow(DAILY_STATS).to_pylist()
    assert (day["visitors"], day["sessions"], day["pageviews"]) == (2, 2, 3)
    assert lake_scan.find(lake_root, PERSON_IDS) == {}
    assert lake_scan.find(build, PERSON_IDS) == {}
