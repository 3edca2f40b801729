"""The dbt manifest under `dagster dev`: parse only when the project changed since the last parse.

dagster-dbt's `DbtProject.prepare_if_dev()` runs `dbt parse` in every process that imports the
definitions under `dagster dev`: the code server, and also the worker of every run, so each
micro-batch spent 5 s (quiet machine) to 35 s (load 7) parsing an unchanged project before its
first step (measured 2026-12-06). A parse is needed only when a file dbt reads for it is newer
than the manifest; `dbt build` itself parses again at run time anyway (partially), so a manifest
that is current for the files is current for Dagster's asset graph.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from dagster_dbt import DbtProject

# What dbt reads when it parses: models, macros, tests, ymls, seeds, the project and profile.
PARSED_SUFFIXES = {".sql", ".yml", ".yaml", ".csv", ".md", ".py"}
SKIPPED_DIRS = {"target", "logs", "dbt_packages", "__pycache__", ".user.yml"}


def _sources(project_dir: Path) -> Iterator[Path]:
    for path in project_dir.rglob("*"):
        rel = path.relative_to(project_dir).parts
        if path.suffix in PARSED_SUFFIXES and not SKIPPED_DIRS.intersection(rel):
            yield path


def is_current(project_dir: Path, manifest: Path) -> bool:
    """Whether the manifest exists and is newer than every file dbt parses in the project."""
    if not manifest.exists():
        return False
    written = manifest.stat().st_mtime
    return all(p.stat().st_mtime <= written for p in _sources(project_dir))


def prepare_if_dev_and_stale(project: DbtProject) -> None:
    """`prepare_if_dev()`, skipped when the manifest is current (see the module docstring)."""
    if project.preparer and project.preparer.using_dagster_dev() and not is_current(
        Path(project.project_dir), Path(project.manifest_path)
    ):
        project.prepare_if_dev()
