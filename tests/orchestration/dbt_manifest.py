"""Prepare dbt_project's manifest (`dbt parse`) before Dagster definitions are imported."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"


def parse_manifest() -> Path:
    """Run `dbt parse` into dbt_project/target (what DbtProject reads); returns the manifest."""
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    dbt = Path(sys.executable).with_name("dbt")
    (PROJECT / "target").mkdir(exist_ok=True)
    # pytest-xdist workers may parse at once: one at a time into the shared target folder.
    with open(PROJECT / "target" / ".parse.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _parse(dbt, env)
    return PROJECT / "target" / "manifest.json"


def _parse(dbt: Path, env: dict[str, str]) -> None:
    subprocess.run(
        [str(dbt), "parse", "--quiet", "--project-dir", str(PROJECT), "--profiles-dir",
         str(PROJECT), "--target-path", str(PROJECT / "target")],
        env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
