"""The bronze sensor: every 30 s, request a pipeline run when bronze is ahead of silver.

Never two at once: no request while a pipeline run is queued or running (the run queue and the
lane tag would hold it anyway), and the run key names the bronze version, so one version is
requested once. A failed run gets one retry. The cursor lives in silver
(orchestration.enrich.cursor), not here.
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
FINISHED = [
    dg.DagsterRunStatus.SUCCESS,
    dg.DagsterRunStatus.FAILURE,
    dg.DagsterRunStatus.CANCELED,
]


RETRY_TAG = "beaconlake/retry_of"


def decide(
    bronze_version: int | None,
    silver_cursor: int | None,
    active_runs: int,
    failed_run_id: str | None = None,
):
    """The sensor's decision as a pure function (tested without a Dagster instance).

    failed_run_id: the latest finished pipeline run when it failed and was not itself a retry;
    it gets one retry even when silver is current (dbt or publish may have failed after the
    enrichment committed, leaving gold behind).
    """
    if active_runs:
        return dg.SkipReason("a pipeline run is queued or running")
    if bronze_version is None:
        return dg.SkipReason("no bronze table yet")
    if silver_cursor is not None and silver_cursor >= bronze_version:
        if failed_run_id:
            return dg.RunRequest(run_key=f"retry-{failed_run_id}", tags={RETRY_TAG: failed_run_id})
        return dg.SkipReason(f"silver is up to date with bronze v{bronze_version}")
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
    last = context.instance.get_run_records(
        dg.RunsFilter(job_name=pipeline_job.name, statuses=FINISHED), limit=1
    )
    run = last[0].dagster_run if last else None
    failed = None
    if run and run.status == dg.DagsterRunStatus.FAILURE and RETRY_TAG not in run.tags:
        failed = run.run_id
    return decide(version, read_cursor(), len(active), failed)
