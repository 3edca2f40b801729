"""Prepare dbt_project's manifest (`dbt parse`) before Dagster definitions are imported."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"


def parse_manifest() -> Path:
    """Run `dbt parse` into dbt_project/target (what DbtProject reads); returns the manifest."""
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    dbt = Path(sys.executable).with_name("dbt")
    subprocess.run(
        [str(dbt), "parse", "--quiet", "--project-dir", str(PROJECT), "--profiles-dir",
         str(PROJECT), "--target-path", str(PROJECT / "target")],
        env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return PROJECT / "target" / "manifest.json"
