"""The Dagster dbt resource starts no extra dbt before a micro-batch's build (POST → gold)."""

from __future__ import annotations

import importlib.metadata

import dagster_dbt.core.resource as dagster_dbt_resource
import pytest

from orchestration.resources import dbt_resource


def test_the_dbt_version_comes_without_starting_dbt(monkeypatch: pytest.MonkeyPatch) -> None:
    """dagster-dbt would run `dbt --version` (a whole dbt start) before every build."""

    def no_subprocess(*args: object, **kwargs: object) -> bytes:
        raise AssertionError(f"a subprocess was started: {args}")

    monkeypatch.setattr(dagster_dbt_resource, "check_output", no_subprocess)
    res = dbt_resource()
    assert str(res._cli_version) == importlib.metadata.version("dbt-core")
    assert res._cli_version.major < 2  # dbt Core's event format, not the Fusion engine's


def test_no_dbt_adapter_is_built_in_the_run_process() -> None:
    """The adapter only serves row counts and column metadata, which no asset asks for."""
    assert dbt_resource()._initialize_dbt_core_adapter(["build"]) is None
