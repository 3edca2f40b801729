"""dbt_project's models as Dagster assets (dagster-dbt), fed by the silver assets.

The manifest comes from `dbt parse`: under `dagster dev` it runs when the project changed since
the last parse (orchestration.manifest); elsewhere (tests, deployments) it is prepared
beforehand. dbt reads silver through the project's `lake` plugin, so the plugin's sources map
to the silver asset keys here.
"""

import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from orchestration.dbt_build import DAILY_TAG
from orchestration.lock import pipeline_lock
from orchestration.manifest import prepare_if_dev_and_stale
from orchestration.resources import DBT_PROJECT

prepare_if_dev_and_stale(DBT_PROJECT)

SILVER_SOURCES = {"events", "replay_chunks"}
MICRO_BATCH_ARGS = [
    "build", "--exclude-resource-type", "unit_test", "--exclude", f"tag:{DAILY_TAG}"
]  # fmt: skip


class Translator(DagsterDbtTranslator):
    """Sources `lake.events` / `lake.replay_chunks` are the silver assets; models go in `dbt`."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        props = dbt_resource_props
        if props.get("resource_type") == "source" and props.get("source_name") == "lake":
            name = props["name"]
            return dg.AssetKey(["silver", name] if name in SILVER_SOURCES else ["lake", name])
        return super().get_asset_key(props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return "dbt"

    def get_asset_check_spec(
        self,
        asset_spec: dg.AssetSpec,
        manifest: Mapping[str, Any],
        unique_id: str,
        project: DbtProject | None,
    ) -> dg.AssetCheckSpec | None:
        """The marts' tests are asset checks of each micro-batch; daily ones are not."""
        if DAILY_TAG in manifest["nodes"].get(unique_id, {}).get("tags", []):
            return None
        return super().get_asset_check_spec(asset_spec, manifest, unique_id, project)


@dbt_assets(
    manifest=DBT_PROJECT.manifest_path,
    project=DBT_PROJECT,
    dagster_dbt_translator=Translator(),
    name="dbt_models",
)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
    """`dbt build` (models and their tests) with the lake's settings (absolute paths)."""
    from orchestration.dbt_build import dbt_env

    # the dbt subprocess inherits this run worker's environment; a micro-batch tests the rows
    # of the marts it rebuilt (dbt_project/macros/rebuilt_tests.sql)
    os.environ.update(dbt_env(scoped_tests=True))
    with pipeline_lock():
        # Unit tests check fixed fixtures (the test suite runs them); the marts' tests gate gold.
        yield from dbt.cli(MICRO_BATCH_ARGS, context=context).stream()


def mart_keys_by_alias() -> dict[str, dg.AssetKey]:
    """Mart models (schema `marts`) by alias: gold/<alias> is published from that relation."""
    manifest = json.loads(Path(DBT_PROJECT.manifest_path).read_text())
    translator = Translator()
    out: dict[str, dg.AssetKey] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model" and node["fqn"][1:2] == ["marts"]:
            out[node.get("alias") or node["name"]] = translator.get_asset_key(node)
    return out
