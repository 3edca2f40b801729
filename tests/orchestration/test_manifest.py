"""The manifest is re-parsed under `dagster dev` only when a project file is newer than it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from orchestration.manifest import is_current

ROOT = Path(__file__).resolve().parents[2]


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


def test_importing_the_definitions_under_dagster_dev_skips_a_current_manifest() -> None:
    """Every run's worker imports the definitions: with a current manifest, no `dbt parse`.

    `dbt` is left off PATH, where dagster-dbt's parse looks for it: a parse would fail the
    import (checking the manifest's mtime instead would race with other tests' parses)."""
    from tests.orchestration.dbt_manifest import parse_manifest

    parse_manifest()
    env = {**os.environ, "DAGSTER_IS_DEV_CLI": "1", "PATH": "/usr/bin:/bin"}
    code = "import orchestration.definitions"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
