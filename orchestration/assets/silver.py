"""The enrichment asset: bronze raw_events → silver events and replay_chunks."""

from collections.abc import Iterator

import dagster as dg

from orchestration.assets.keys import BRONZE_EVENTS, SILVER_EVENTS, SILVER_REPLAY
from orchestration.enrich import enrich
from orchestration.lock import pipeline_lock

BRONZE = dg.AssetSpec(
    BRONZE_EVENTS,
    description="Events as accepted by the collector (written by ingest_api, not by Dagster).",
    group_name="bronze",
)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            SILVER_EVENTS,
            deps=[BRONZE.key],
            group_name="silver",
            description="One row per distinct event_id, enriched; bots flagged.",
        ),
        dg.AssetSpec(
            SILVER_REPLAY,
            deps=[BRONZE.key],
            group_name="silver",
            description="rrweb replay chunks by session.",
        ),
    ],
    name="enrich",
    can_subset=False,
)
def enrich_asset(context: dg.AssetExecutionContext) -> Iterator[dg.MaterializeResult]:
    """Process every bronze version since the cursor kept in silver (idempotent on retry)."""
    with pipeline_lock():
        res = enrich()
    context.log.info(f"enrichment: {res}")
    common = {
        "bronze_version": res.bronze_version if res.bronze_version is not None else -1,
        "cursor_before": res.cursor_before if res.cursor_before is not None else -1,
        "bronze_files": res.files,
        "full_scan": res.full_scan,
        # received_date the batch re-read bronze from, its cursor being past the log ("": not)
        "rescan_since": res.since.isoformat() if res.since else "",
    }
    yield dg.MaterializeResult(
        asset_key=SILVER_EVENTS,
        metadata={**common, "new_events": res.events, "person_rewrites": res.person_rewrites},
    )
    yield dg.MaterializeResult(
        asset_key=SILVER_REPLAY, metadata={**common, "new_chunks": res.replay_chunks}
    )
