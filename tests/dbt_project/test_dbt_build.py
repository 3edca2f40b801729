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


def test_bad_funnel_file_fails_before_dbt(
    build_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "funnels.yml"
    bad.write_text("funnels:\n  - {name: x, window: soon, steps: [{event: a}]}\n")
    monkeypatch.setenv("BEACONLAKE_FUNNELS", str(bad))
    get_settings.cache_clear()
    with pytest.raises(FunnelError, match="window 'soon'"):
        run_dbt_build()
    assert not build_db.exists()  # dbt never ran


def test_duplicate_event_in_silver_fails_the_build_by_name(build_db: Path) -> None:
    """Silver must hold one row per event_id; if it ever does not, nothing is double counted."""
    rows = events()[:3]
    io.append(EVENTS, rows)
    io.append(EVENTS, rows[:1])  # the same event_id twice
    with pytest.raises(DbtBuildError, match=r"source_unique_lake_events_event_id.*Got 1 result"):
        run_dbt_build(select="source:lake.events")


def _ran_tests(db: Path) -> dict[str, list[str]]:
    """Test nodes of the last build (run_results.json) → the tags dbt gave them."""
    import json

    target = db.parent / "dbt_target"
    results = json.loads((target / "run_results.json").read_text())["results"]
    nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    return {
        r["unique_id"]: nodes[r["unique_id"]]["tags"]
        for r in results
        if r["unique_id"].startswith("test.")
    }


@pytest.mark.fresh_dbt_process  # the WAL check below is about orchestration.dbt_main's exit
def test_a_micro_batch_runs_the_marts_tests_and_the_daily_run_the_rest(build_db: Path) -> None:
    """What a micro-batch skips (dbt_project.yml's `daily` tag) runs in the maintenance job."""
    io.append(EVENTS, events())
    run_dbt_build(unit_tests=False, daily_tests=False)
    # dbt's process (orchestration.dbt_main) ends only after dbt-duckdb closed its connection:
    # the checkpoint ran, so no write-ahead log is left for the next reader to replay.
    assert build_db.exists() and not Path(f"{build_db}.wal").exists()
    micro = _ran_tests(build_db)
    assert micro and not [t for t, tags in micro.items() if "daily" in tags]
    assert any(t.startswith("test.beaconlake.not_null_fct_sessions_session_id") for t in micro)
    run_dbt_build(select="tag:daily", unit_tests=False)
    daily = _ran_tests(build_db)
    assert daily and all("daily" in tags for tags in daily.values())
    assert any(t.startswith("test.beaconlake.source_unique_lake_events_event_id") for t in daily)
    assert not set(micro) & set(daily)


def test_dbt_main_exits_with_dbts_exit_code_and_its_output_flushed(build_db: Path) -> None:
    """The launcher ends the process itself (os._exit): dbt's exit code and output survive."""
    import subprocess
    import sys

    from orchestration.dbt_build import PROJECT_DIR, dbt_env

    cmd = [sys.executable, "-m", "orchestration.dbt_main", "build", "--no-such-option"]
    proc = subprocess.run(cmd, env=dbt_env(), capture_output=True, text=True, check=False)
    assert proc.returncode == 2, proc.stderr[-2000:]  # click's usage error
    assert "'--no-such-option'" in proc.stderr
    cmd = [
        sys.executable,
        "-m",
        "orchestration.dbt_main",
        "debug",
        "--config-dir",
        "--project-dir",
        str(PROJECT_DIR),
        "--log-path",
        str(build_db.parent / "logs"),
    ]
    proc = subprocess.run(cmd, env=dbt_env(), capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert proc.stdout.rstrip().endswith(str(PROJECT_DIR))  # its last output line
