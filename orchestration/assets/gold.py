"""The publish asset: dbt marts → Delta tables under gold/, one commit per table."""

from collections.abc import Iterator

import dagster as dg

from orchestration.assets.dbt import mart_keys_by_alias
from orchestration.assets.keys import gold_key
from orchestration.lock import pipeline_lock
from orchestration.publish import gold_tables


def _specs() -> list[dg.AssetSpec]:
    """One spec per gold table, fed by the mart of the same alias (all marts when none has)."""
    marts = mart_keys_by_alias()
    every = sorted(marts.values(), key=lambda k: k.to_user_string())
    return [
        dg.AssetSpec(
            gold_key(t.name),
            deps=[marts[t.name]] if t.name in marts else every,
            group_name="gold",
            description=t.description,
        )
        for t in gold_tables()
    ]


@dg.multi_asset(
    specs=_specs(),
    name="publish_gold",
    can_subset=False,
)
def publish_asset(context: dg.AssetExecutionContext) -> Iterator[dg.MaterializeResult]:
    """Overwrite every changed gold table from its mart; readers see the old or the new version
    (an unchanged aggregate keeps its version: `rewritten` False)."""
    from orchestration.publish import publish_gold

    with pipeline_lock():
        rows = publish_gold()
    context.log.info(f"published gold: {rows}")
    for t in gold_tables():
        yield dg.MaterializeResult(
            asset_key=gold_key(t.name),
            metadata={"rows": rows.get(t.name, 0), "rewritten": t.name not in rows.skipped},
        )
