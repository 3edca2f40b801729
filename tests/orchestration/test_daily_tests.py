"""The maintenance job runs the dbt tests that micro-batches skip (tagged `daily`)."""

from __future__ import annotations

from pathlib import Path

from lake import io
from lake.registry import EVENTS
from orchestration.dbt_build import run_dbt_build
from orchestration.jobs import maintenance_job
from tests.dbt_project.silver_fixture import events


def test_without_a_dbt_build_there_is_nothing_to_test(build_db: Path) -> None:
    assert maintenance_job.execute_in_process().success
    assert not build_db.exists()


def test_a_duplicate_in_silver_fails_the_daily_run_by_the_tests_name(build_db: Path) -> None:
    rows = events()[:3]
    io.append(EVENTS, rows)
    run_dbt_build(tests=False)  # a micro-batch's models (its tests would not look at silver)
    io.append(EVENTS, rows[:1])  # the same event_id twice
    result = maintenance_job.execute_in_process(raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert failure.step_key == "dbt_daily_tests"
    assert "source_unique_lake_events_event_id" in str(failure.event_specific_data.error)
