"""Prepare a DAGSTER_HOME from the checked-in template (telemetry off, one run at a time)."""

from __future__ import annotations

import shutil
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent / "dagster_home" / "dagster.yaml"


def prepare_dagster_home(home: str | Path) -> Path:
    """Create `home` with our dagster.yaml (replacing an older copy); returns its path."""
    path = Path(home).resolve()
    path.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(TEMPLATE, path / "dagster.yaml")
    return path
