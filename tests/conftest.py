"""Fixtures shared by every package's tests: a temporary lake with settings pointed at it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from beaconlake.settings import get_settings

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")


@pytest.fixture
def lake_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An empty lake in a temp dir; BEACONLAKE_LAKE_URI points at it for this test."""
    root = tmp_path / "lake"
    root.mkdir()
    monkeypatch.setenv("BEACONLAKE_LAKE_URI", str(root))
    get_settings.cache_clear()
    yield str(root)
    get_settings.cache_clear()
