"""One synchronous micro-batch without Dagster: enrich, dbt build, publish gold.

`beaconlake pipeline run`, tests and benchmarks call this; the Dagster assets call the same
three functions, so both paths give the same lake. Launching a Dagster run would add ~8 s.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from orchestration.enrich import EnrichResult, enrich
from orchestration.lock import pipeline_lock


@dataclass
class PipelineResult:
    """What a micro-batch did, with seconds per step."""

    enrich: EnrichResult
    gold_rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def run_pipeline(root: str | None = None, *, dbt: bool = True) -> PipelineResult:
    """Enrich everything pending, then (dbt=True) dbt build and publish gold; raises on failure.

    dbt and publish are skipped only when gold was published from exactly the current silver,
    funnels and models and is untouched since (orchestration.build_state); otherwise they run
    even when no new bronze arrived, so a failed earlier build or an erasure is repaired by the
    next call (both are idempotent: the same silver gives the same gold).
    """
    with pipeline_lock():
        t0 = time.perf_counter()
        res = PipelineResult(enrich(root))
        res.seconds["enrich"] = time.perf_counter() - t0
        if not dbt:
            return res
        from orchestration import build_state
        from orchestration.dbt_build import run_dbt_build
        from orchestration.publish import publish_gold

        t1 = time.perf_counter()
        if build_state.is_current(root):
            res.seconds["up_to_date_check"] = time.perf_counter() - t1
            return res
        before = build_state.inputs(root)
        build_state.forget()
        run_dbt_build(unit_tests=False, daily_tests=False)  # as the Dagster micro-batch
        res.seconds["dbt_build"] = time.perf_counter() - t1
        t2 = time.perf_counter()
        res.gold_rows = publish_gold(root)
        res.seconds["publish"] = time.perf_counter() - t2
        build_state.record(before, root)
        return res
