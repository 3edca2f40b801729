"""run_dbt_build's failures: a clear error naming the failing node, before or from dbt."""

from __future__ import annotations

from pathlib import Path

import pytest

from beaconlake.settings import get_settings
from dbt_project.plugins.funnels import FunnelError
from lake import io
from lake.registry import EVENTS
from orchestration.dbt_build import DbtBuildError, run_dbt_build
from tests.dbt_project.silver_fixture import events


@pytest.fixture
def build_env(lake_root: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "build" / "b.duckdb"
    monkeypatch.setenv("BEACONLAKE_DUCKDB_PATH", str(db))
    get_settings.cache_clear()
    return db


def test_bad_funnel_file_fails_before_dbt(
    build_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "funnels.yml"
    bad.write_text("funnels:\n  - {name: x, window: soon, steps: [{event: a}]}\n")
    monkeypatch.setenv("BEACONLAKE_FUNNELS", str(bad))
    get_settings.cache_clear()
    with pytest.raises(FunnelError, match="window 'soon'"):
        run_dbt_build()
    assert not build_env.exists()  # dbt never ran


def test_duplicate_event_in_silver_fails_the_build_by_name(build_env: Path) -> None:
    """Silver must hold one row per event_id; if it ever does not, nothing is double counted."""
    rows = events()[:3]
    io.append(EVENTS, rows)
    io.append(EVENTS, rows[:1])  # the same event_id twice
    with pytest.raises(DbtBuildError, match=r"source_unique_lake_events_event_id.*Got 1 result"):
        run_dbt_build(select="source:lake.events")
