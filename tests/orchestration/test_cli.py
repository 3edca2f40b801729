"""`beaconlake pipeline run` through the Typer app: output, exit codes, one-line failures."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from beaconlake.cli import app
from beaconlake.settings import get_settings
from tests.orchestration.bronze import land, row, silver


def test_enrich_only_run_reports_and_fills_silver(lake_root: str) -> None:
    land(row("e1"), row("e2"), row("e2"))
    res = CliRunner().invoke(app, ["pipeline", "run", "--enrich-only"])
    assert res.exit_code == 0, res.output
    assert "enriched 2 events" in res.output
    assert sorted(silver()) == ["e1", "e2"]
    again = CliRunner().invoke(app, ["pipeline", "run", "--enrich-only"])
    assert again.exit_code == 0 and "enriched 0 events" in again.output


def test_failure_exits_non_zero_with_one_line(
    lake_root: str, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    land(row("e1"))
    monkeypatch.setenv("BEACONLAKE_FUNNELS", str(tmp_path / "missing.yml"))
    get_settings.cache_clear()
    res = CliRunner().invoke(app, ["pipeline", "run"])
    assert res.exit_code == 1
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("pipeline run failed:")
    assert sorted(silver()) == ["e1"]  # what was enriched before the failure stays
