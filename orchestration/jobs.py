"""Jobs: the pipeline (every asset, in one process) and the daily maintenance pass.

Both carry the tag `beaconlake/lane=pipeline`, limited to one run by dagster.yaml's run queue
(together with max_concurrent_runs: 1), so maintenance never compacts under a running batch.
In-process execution: one process per run instead of one per step (~8 s each, FIGURES.md).
"""

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


@dg.job(name="maintenance", tags=LANE, executor_def=dg.in_process_executor)
def maintenance_job() -> None:
    maintain_lake()
