"""The bronze sensor on a real Dagster instance made from our DAGSTER_HOME template."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from orchestration.enrich import enrich
from orchestration.home import prepare_dagster_home
from orchestration.sensors import RETRY_TAG, bronze_sensor, decide
from tests.orchestration.bronze import land, row


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[dg.DagsterInstance]:
    home = prepare_dagster_home(tmp_path / "dagster_home")
    with dg.DagsterInstance.from_config(str(home)) as inst:
        yield inst


def _tick(instance: dg.DagsterInstance) -> object:
    return bronze_sensor(dg.build_sensor_context(instance=instance))


def test_instance_queues_one_run_at_a_time(instance: dg.DagsterInstance) -> None:
    coordinator = instance.run_coordinator
    assert isinstance(coordinator, dg.QueuedRunCoordinator)
    assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 1


def test_sensor_requests_a_run_only_when_bronze_is_ahead(
    lake_root: str, instance: dg.DagsterInstance
) -> None:
    assert isinstance(_tick(instance), dg.SkipReason)  # no bronze yet
    land(row("e1"))
    req = _tick(instance)
    assert isinstance(req, dg.RunRequest) and req.run_key == "bronze-v1"
    enrich()
    assert isinstance(_tick(instance), dg.SkipReason)  # silver caught up
    land(row("e2"))
    req = _tick(instance)
    assert isinstance(req, dg.RunRequest) and req.run_key == "bronze-v2"


def test_a_tick_during_a_run_skips() -> None:
    assert isinstance(decide(5, 3, active_runs=1), dg.SkipReason)
    assert isinstance(decide(5, 3, active_runs=0), dg.RunRequest)
    assert isinstance(decide(5, 5, active_runs=0), dg.SkipReason)
    assert isinstance(decide(5, 5, active_runs=1, failed_run_id="r1"), dg.SkipReason)


def test_a_failed_run_gets_one_retry_even_when_silver_is_current() -> None:
    req = decide(5, 5, active_runs=0, failed_run_id="r1")
    assert isinstance(req, dg.RunRequest)
    assert (req.run_key, req.tags) == ("retry-r1", {RETRY_TAG: "r1"})


def test_sensor_retries_a_failed_run_on_a_real_instance(
    lake_root: str, instance: dg.DagsterInstance
) -> None:
    land(row("e1"))
    enrich()  # silver is current: only the failure can trigger a run
    failed = _failing_job().execute_in_process(instance=instance, raise_on_error=False)
    assert not failed.success
    req = _tick(instance)
    assert isinstance(req, dg.RunRequest) and req.run_key == f"retry-{failed.run_id}"


def _failing_job() -> dg.JobDefinition:
    @dg.op
    def boom() -> None:
        raise RuntimeError("dbt failed")

    @dg.job(name="pipeline")
    def pipeline() -> None:
        boom()

    return pipeline
