"""Dagster resources: dbt's CLI for the micro-batch's dbt step (orchestration.assets.dbt).

Kept apart from the dbt assets: importing those needs dbt's manifest, this module does not.
"""

import importlib.metadata
import sys
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

from dagster_dbt import DbtCliResource, DbtProject
from packaging import version

from orchestration.dbt_build import PROJECT_DIR

DBT_PROJECT = DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR)


class MicroBatchDbtResource(DbtCliResource):
    """dagster-dbt's CLI resource without two seconds-long detours per run (POST → gold).

    Before each `dbt build` dagster-dbt ran `dbt --version` in a subprocess (a whole dbt
    start: 4 s of wall time at load 5) and built a dbt adapter inside the run's process
    (importing dbt and loading the profile), which it uses only to fetch row counts or column
    metadata: neither is asked for here. The version comes from the installed dbt-core's
    metadata instead; the events of the build are parsed as before.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> Any:
        return None


def dbt_resource() -> DbtCliResource:
    """dbt from this interpreter's environment (the venv need not be on PATH)."""
    exe = Path(sys.executable).with_name("dbt")
    return MicroBatchDbtResource(
        project_dir=DBT_PROJECT,
        profiles_dir=str(PROJECT_DIR),
        dbt_executable=str(exe) if exe.exists() else "dbt",
    )
