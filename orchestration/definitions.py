"""THE Dagster definitions of BeaconLake (`[tool.dagster] module_name`)."""

from __future__ import annotations

import dagster as dg

from orchestration.assets.dbt import dbt_models
from orchestration.assets.gold import publish_asset
from orchestration.assets.silver import BRONZE, enrich_asset
from orchestration.checks.gold import GOLD_CHECKS
from orchestration.checks.silver import SILVER_CHECKS
from orchestration.jobs import erasure_job, maintenance_job, pipeline_job
from orchestration.resources import dbt_resource
from orchestration.schedules import daily_maintenance
from orchestration.sensors import bronze_sensor

defs = dg.Definitions(
    assets=[BRONZE, enrich_asset, dbt_models, publish_asset],
    asset_checks=[*SILVER_CHECKS, *GOLD_CHECKS],
    jobs=[pipeline_job, maintenance_job, erasure_job],
    schedules=[daily_maintenance],
    sensors=[bronze_sensor],
    resources={"dbt": dbt_resource()},
)
