"""The manifest is re-parsed under `dagster dev` only when a project file is newer than it."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from dagster_dbt import DbtCliResource, DbtProject

from beaconlake.settings import get_settings
from orchestration.manifest import is_current, prepare_if_dev_and_stale

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ROOT / "dbt_project"


def _touch(path: Path, mtime: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    os.utime(path, (mtime, mtime))


def test_a_newer_model_macro_or_yml_makes_the_manifest_stale(tmp_path: Path) -> None:
    manifest = tmp_path / "target" / "manifest.json"
    assert not is_current(tmp_path, manifest)  # never parsed
    _touch(tmp_path / "dbt_project.yml", 1000)
    _touch(tmp_path / "models" / "marts" / "fct_sessions.sql", 1000)
    _touch(manifest, 2000)
    assert is_current(tmp_path, manifest)
    for i, changed in enumerate(("models/marts/fct_sessions.yml", "macros/m.sql", "profiles.yml")):
        _touch(tmp_path / changed, 3000 + 10 * i)
        assert not is_current(tmp_path, manifest), changed
        _touch(manifest, 3005 + 10 * i)
        assert is_current(tmp_path, manifest)


def test_dbts_own_output_does_not_make_it_stale(tmp_path: Path) -> None:
    manifest = tmp_path / "target" / "manifest.json"
    _touch(tmp_path / "models" / "a.sql", 1000)
    _touch(manifest, 2000)
    outputs = ("target/run/x/a.sql", "target/compiled/a.sql", "logs/dbt.log", "m/__pycache__/x.py")
    for out in outputs:
        _touch(tmp_path / out, 3000)
    assert is_current(tmp_path, manifest)


def test_under_dagster_dev_a_parse_only_when_stale_and_with_the_builds_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a copy of dbt_project: the first call parses (dbt on PATH), the next one does not
    (dbt off PATH: a parse would fail), a changed model or lake path parses again, and the
    build then reuses that parse (no "Unable to do partial parsing")."""
    project_dir = tmp_path / "dbt_project"
    shutil.copytree(PROJECT, project_dir, ignore=shutil.ignore_patterns("target", "logs"))
    project = DbtProject(project_dir=project_dir, profiles_dir=project_dir)
    manifest = Path(project.manifest_path)
    with_dbt = f"{Path(sys.executable).parent}{os.pathsep}/usr/bin:/bin"
    monkeypatch.setenv("DAGSTER_IS_DEV_CLI", "1")
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # profiles.yml's plugin module
    monkeypatch.setenv("BEACONLAKE_LAKE_URI", str(tmp_path / "lake"))
    monkeypatch.setenv("BEACONLAKE_DUCKDB_PATH", str(tmp_path / "build" / "b.duckdb"))
    get_settings.cache_clear()
    monkeypatch.setenv("PATH", with_dbt)
    prepare_if_dev_and_stale(project)
    first = manifest.stat().st_mtime_ns
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    prepare_if_dev_and_stale(project)  # current: no dbt needed
    assert manifest.stat().st_mtime_ns == first
    model = project_dir / "models" / "marts" / "agg_devices.sql"
    later = manifest.stat().st_mtime + 60
    os.utime(model, (later, later))
    monkeypatch.setenv("PATH", with_dbt)
    prepare_if_dev_and_stale(project)
    second = manifest.stat().st_mtime_ns
    assert second > first
    monkeypatch.setenv("BEACONLAKE_LAKE_URI", str(tmp_path / "another_lake"))
    get_settings.cache_clear()
    prepare_if_dev_and_stale(project)
    assert manifest.stat().st_mtime_ns > second
    # What the dbt asset does in a run: the builds' environment, a target dir of its own.
    from orchestration.dbt_build import dbt_env

    monkeypatch.setattr(os, "environ", {**os.environ, **dbt_env()})
    run_target = project_dir / "target" / "a_run"
    DbtCliResource(project_dir=project).cli(["parse"], target_path=run_target).wait()
    assert "Unable to do partial parsing" not in (run_target / "dbt.log").read_text()
    get_settings.cache_clear()
