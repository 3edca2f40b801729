"""The dbt manifest under `dagster dev`: parsed once, with the builds' profile, not per run.

dagster-dbt's `DbtProject.prepare_if_dev()` runs `dbt parse` in every process that imports the
definitions under `dagster dev`: the code server, and also the worker of every run, so each
micro-batch spent 5 s (quiet machine) to 35 s (load 7) parsing an unchanged project before its
first step (measured 2026-12-06). And that parse ran without the absolute paths the builds get
from `dbt_env()`, so dbt's profile hash differed and every build in a run parsed the whole
project again ("Unable to do partial parsing because profile has changed": ~8 s of a 17-20 s
dbt step on a small lake). So: parse only when a project file is newer than the manifest or
the profile's variables changed, and parse with the builds' variables; dagster-dbt copies the
partial parse file it leaves into each run's target dir, where the build then reuses it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from dagster_dbt import DbtProject

# What dbt reads when it parses: models, macros, tests, ymls, seeds, the project and profile.
PARSED_SUFFIXES = {".sql", ".yml", ".yaml", ".csv", ".md", ".py"}
SKIPPED_DIRS = {"target", "logs", "dbt_packages", "__pycache__"}
PROFILE_VARS = ("BEACONLAKE_LAKE_URI", "BEACONLAKE_DUCKDB_PATH", "BEACONLAKE_FUNNELS")
STAMP = "beaconlake-parse-env.txt"  # next to the manifest: the profile variables it was parsed with


def _sources(project_dir: Path) -> Iterator[Path]:
    for path in project_dir.rglob("*"):
        rel = path.relative_to(project_dir).parts
        if path.suffix in PARSED_SUFFIXES and not SKIPPED_DIRS.intersection(rel):
            yield path


def env_key(env: Mapping[str, str]) -> str:
    """A digest of the variables profiles.yml reads (what dbt's profile hash depends on)."""
    text = "\n".join(f"{k}={env.get(k, '')}" for k in PROFILE_VARS)
    return hashlib.sha256(text.encode()).hexdigest()


def _stamp(manifest: Path, key: str) -> str:
    return f"{key} {manifest.stat().st_mtime_ns}"  # a parse by anyone else changes the mtime


def is_current(project_dir: Path, manifest: Path, key: str | None = None) -> bool:
    """Whether the manifest exists, is newer than every file dbt parses in the project and
    (with `key`) was written by our parse with the profile variables of that key."""
    if not manifest.exists():
        return False
    if key is not None:
        stamp = manifest.with_name(STAMP)
        if not stamp.exists() or stamp.read_text() != _stamp(manifest, key):
            return False
    written = manifest.stat().st_mtime
    return all(p.stat().st_mtime <= written for p in _sources(project_dir))


@contextmanager
def _environ(env: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def prepare_if_dev_and_stale(project: DbtProject) -> None:
    """Under `dagster dev`: `dbt parse` with the builds' environment when the manifest is stale
    (see the module docstring); elsewhere the manifest is prepared beforehand."""
    if not (project.preparer and project.preparer.using_dagster_dev()):
        return
    from orchestration.dbt_build import dbt_env  # reads the settings: only under dagster dev

    env = dbt_env()
    key = env_key(env)
    manifest = Path(project.manifest_path)
    if is_current(Path(project.project_dir), manifest, key):
        return
    with _environ(env):
        project.preparer.prepare(project)
    manifest.with_name(STAMP).write_text(_stamp(manifest, key))
