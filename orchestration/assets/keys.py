"""Asset keys shared by assets, checks and sensors (importing them loads no dbt manifest)."""

import dagster as dg

BRONZE_EVENTS = dg.AssetKey(["bronze", "raw_events"])
SILVER_EVENTS = dg.AssetKey(["silver", "events"])
SILVER_REPLAY = dg.AssetKey(["silver", "replay_chunks"])


def gold_key(name: str) -> dg.AssetKey:
    return dg.AssetKey(["gold", name])
