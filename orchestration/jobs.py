"""Jobs: the pipeline (every asset, in one process), the daily maintenance pass (with dbt's
daily data tests), and erasure.

All carry the tag `beaconlake/lane=pipeline`, limited to one run by dagster.yaml's run queue
(together with max_concurrent_runs: 1), so maintenance never compacts under a running batch
and an erasure waits for the running batch (it also takes the pipeline lock, as the CLI does).
In-process execution: one process per run instead of one per step (~8 s each, FIGURES.md).
"""

from pathlib import Path

import dagster as dg

from orchestration.lock import pipeline_lock
from orchestration.maintenance import maintain

LANE = {"beaconlake/lane": "pipeline"}

pipeline_job = dg.define_asset_job(
    "pipeline",
    selection=dg.AssetSelection.all() - dg.AssetSelection.keys(["bronze", "raw_events"]),
    executor_def=dg.in_process_executor,
    tags=LANE,
    description="One micro-batch: enrich → dbt build (with tests) → publish gold, with checks.",
)


@dg.op(description="Compact, checkpoint, clean logs, vacuum and apply retention on every table.")
def maintain_lake(context: dg.OpExecutionContext) -> dict:
    with pipeline_lock():
        out = maintain()
    context.add_output_metadata({"tables": len(out)})
    return out


@dg.op(
    description="dbt's data tests tagged `daily` (source, staging, intermediate), which the "
    "micro-batches skip, and the marts' tests on every row (a micro-batch tests the rows it "
    "rebuilt); a failure fails this run."
)
def dbt_daily_tests(context: dg.OpExecutionContext, maintained: dict) -> None:
    from beaconlake.settings import get_settings
    from orchestration.dbt_build import DAILY_SELECT, run_dbt_build

    if not Path(get_settings().duckdb_path).exists():
        context.log.info("no dbt build yet: nothing to test")
        return
    with pipeline_lock():
        run_dbt_build(select=DAILY_SELECT, unit_tests=False)


@dg.job(name="maintenance", tags=LANE, executor_def=dg.in_process_executor)
def maintenance_job() -> None:
    dbt_daily_tests(maintain_lake())


class ErasureConfig(dg.Config):
    """One erasure request. A person travels as `sha256:<hex>` of their id (how the
    erasure_requests log names them): Dagster keeps every run's config, so never the id."""

    person_sha256: str = ""  # the person to forget, or "" with all_data
    project: str = ""  # limits a person's erasure; with all_data, the project to clear
    all_data: bool = False  # clear the project's data (the project and its keys stay)
    vacuum_now: bool = False  # remove old files and log statistics at once (--vacuum-now)


@dg.op(description="Erase a person (by id hash) or a project's data, logged in erasure_requests.")
def erase(context: dg.OpExecutionContext, config: ErasureConfig) -> dict:
    from lake import erasure

    if config.all_data == bool(config.person_sha256):
        raise dg.Failure("give person_sha256, or project with all_data")
    if config.all_data and not config.project:
        raise dg.Failure("all_data needs a project")
    with pipeline_lock():  # no pipeline run reads silver before and publishes gold after
        if config.all_data:
            result = erasure.forget_project(config.project, purge_now=config.vacuum_now)
        else:
            result = erasure.forget_person_by_subject(
                config.person_sha256, config.project or None, purge_now=config.vacuum_now
            )
    context.add_output_metadata(
        {"request_id": result.request_id, "status": result.status, "rows_deleted": result.total}
    )
    return {"request_id": result.request_id, "rows_deleted": result.rows_deleted}


@dg.job(
    name="erasure",
    tags=LANE,
    executor_def=dg.in_process_executor,
    description="`beaconlake forget` as a run: the dashboard's Admin page launches it.",
)
def erasure_job() -> None:
    erase()
