"""Run `dbt build` on dbt_project with the lake's settings.

dbt runs in a subprocess (`python -m orchestration.dbt_main`: dbt's CLI, exiting without the
interpreter's teardown): dbt-duckdb keeps its DuckDB environment in a class attribute, so a
second in-process run would reuse the first run's connection and with it the lake plugin's
snapshot of silver; a fresh process reads the current silver version and releases the DuckDB
file (one writer per file) when it exits.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from beaconlake.settings import Settings, get_settings
from lake.io import lake_root

PROJECT_DIR = Path(__file__).resolve().parents[1] / "dbt_project"
DEFAULT_FUNNELS = Path("dbt_project/funnels.yml")
# dbt_project.yml tags the source, staging and intermediate data tests with it: the daily
# maintenance job runs them, a micro-batch only the marts' tests (they gate publishing).
DAILY_TAG = "daily"
SCOPED_TESTS_ENV = "BEACONLAKE_SCOPED_TESTS"
# The maintenance job's selection: the daily tests, and the marts' tests in full (a
# micro-batch runs them on the rows it rebuilt only).
DAILY_SELECT = f"tag:{DAILY_TAG} path:models/marts,resource_type:test"


class DbtBuildError(RuntimeError):
    """dbt build failed; the message names the failing nodes and their errors."""


def funnels_path(settings: Settings | None = None) -> Path:
    """The funnel file: BEACONLAKE_FUNNELS, else dbt_project/funnels.yml of this checkout."""
    path = Path((settings or get_settings()).funnels)
    if path == DEFAULT_FUNNELS and not path.exists():
        path = PROJECT_DIR / "funnels.yml"
    return path.resolve()


def build_dir(settings: Settings | None = None) -> Path:
    """Where dbt's target/ and logs/ go: next to the DuckDB file, so builds never share them."""
    return Path((settings or get_settings()).duckdb_path).resolve().parent


def dbt_env(settings: Settings | None = None, *, scoped_tests: bool = False) -> dict[str, str]:
    """The environment profiles.yml reads: absolute lake root, DuckDB file and funnel file.

    scoped_tests: a micro-batch's marts tests read only the rows it rebuilt (SCOPED_TESTS_ENV,
    dbt_project/macros/rebuilt_tests.sql); any other build tests the marts in full.
    """
    settings = settings or get_settings()
    env = dict(os.environ)
    env.update(
        {
            "BEACONLAKE_LAKE_URI": lake_root(settings.lake_uri),
            "BEACONLAKE_DUCKDB_PATH": str(Path(settings.duckdb_path).resolve()),
            "BEACONLAKE_FUNNELS": str(funnels_path(settings)),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DBT_PROFILES_DIR": str(PROJECT_DIR),
            SCOPED_TESTS_ENV: "1" if scoped_tests else "0",
        }
    )
    return env


def _failures(target: Path) -> list[str]:
    try:
        results = json.loads((target / "run_results.json").read_text())["results"]
    except (OSError, ValueError, KeyError):
        return []
    return [
        f"{r['unique_id']}: {(r.get('message') or r['status']).strip()}"
        for r in results
        if r.get("status") in ("error", "fail", "runtime error")
    ]


def run_dbt_build(
    select: str | None = None,
    *,
    full_refresh: bool = False,
    tests: bool = True,
    unit_tests: bool = True,
    daily_tests: bool = True,
) -> None:
    """`dbt build` (models, tests, unit tests); raises DbtBuildError naming the failing nodes.

    full_refresh rebuilds the incremental models from all of silver (needed after erasure);
    tests=False builds the models only (data and unit tests cost ~0.15 s a node);
    unit_tests=False keeps the data tests (they gate publishing) but skips the unit tests,
    which check fixed fixtures and cannot change between micro-batches; daily_tests=False also
    skips the data tests tagged `daily` (dbt_project.yml: all but the marts'), as a micro-batch
    does; `run_dbt_build(select=DAILY_SELECT)` runs those and the marts' tests in full (the
    maintenance job). Such a micro-batch (no select, no full refresh) tests in the marts only
    the rows it rebuilt.
    """
    from dbt_project.plugins.funnels import load_funnels

    settings = get_settings()
    load_funnels(funnels_path(settings))  # fail fast, with the file's own error message
    out = build_dir(settings)
    out.mkdir(parents=True, exist_ok=True)
    target = out / "dbt_target"
    (target / "run_results.json").unlink(missing_ok=True)
    cmd = [
        sys.executable,
        "-m",
        "orchestration.dbt_main",  # dbt's CLI without the interpreter's teardown at exit
        "build",
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_DIR),
        "--target-path",
        str(target),
        "--log-path",
        str(out / "dbt_logs"),
    ]
    if select:
        cmd += ["--select", select]
    if full_refresh:
        cmd.append("--full-refresh")
    if not tests:
        cmd += ["--exclude-resource-type", "test", "unit_test"]
    elif not unit_tests:
        cmd += ["--exclude-resource-type", "unit_test"]
    if tests and not daily_tests:
        cmd += ["--exclude", f"tag:{DAILY_TAG}"]
    micro_batch = tests and not daily_tests and not full_refresh and select is None
    env = dbt_env(settings, scoped_tests=micro_batch)
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        failures = _failures(target)
        detail = "; ".join(failures) if failures else (proc.stdout + proc.stderr)[-2000:].strip()
        raise DbtBuildError(f"dbt build failed: {detail}")
