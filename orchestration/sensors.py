"""The bronze sensor: every 30 s, request a pipeline run when bronze is ahead of silver.

Never two at once: no request while a pipeline run is queued or running (the run queue and the
lane tag would hold it anyway), and the run key names the bronze version, so one version is
requested once. The cursor itself lives in silver (orchestration.enrich.cursor), not here.
"""

import dagster as dg

from lake.io import open_table
from lake.registry import RAW_EVENTS
from orchestration.enrich.cursor import read_cursor
from orchestration.jobs import pipeline_job

ACTIVE = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]


def decide(bronze_version: int | None, silver_cursor: int | None, active_runs: int):
    """The sensor's decision as a pure function (tested without a Dagster instance)."""
    if bronze_version is None:
        return dg.SkipReason("no bronze table yet")
    if silver_cursor is not None and silver_cursor >= bronze_version:
        return dg.SkipReason(f"silver is up to date with bronze v{bronze_version}")
    if active_runs:
        return dg.SkipReason("a pipeline run is queued or running")
    return dg.RunRequest(
        run_key=f"bronze-v{bronze_version}", tags={"bronze_version": str(bronze_version)}
    )


@dg.sensor(
    name="bronze_sensor",
    job=pipeline_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def bronze_sensor(context: dg.SensorEvaluationContext):
    """Poll bronze's Delta version against the cursor committed in silver."""
    bronze = open_table(RAW_EVENTS)
    version = bronze.version() if bronze is not None else None
    active = context.instance.get_run_records(
        dg.RunsFilter(job_name=pipeline_job.name, statuses=ACTIVE), limit=1
    )
    return decide(version, read_cursor(), len(active))
