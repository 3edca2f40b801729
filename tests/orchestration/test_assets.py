"""The enrichment asset and the silver/gold checks, executed by Dagster on a real lake
(in process; the dbt assets are covered by test_end_to_end through the same functions)."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import pyarrow as pa

from lake import io
from lake.registry import DAILY_STATS, EVENTS, FUNNEL_STEPS, WEB_VITALS
from orchestration.assets.silver import BRONZE, enrich_asset
from orchestration.checks.gold import (
    bounce_rate_in_range,
    funnel_non_increasing,
    p75_non_negative,
)
from orchestration.checks.silver import SILVER_CHECKS
from tests.orchestration.bronze import land, row

DAY = dt.date(2026, 11, 23)


def _materialize() -> dg.ExecuteInProcessResult:
    return dg.materialize([BRONZE, enrich_asset, *SILVER_CHECKS], selection=[enrich_asset])


def _checks(result: dg.ExecuteInProcessResult) -> dict[str, bool]:
    return {e.check_name: e.passed for e in result.get_asset_check_evaluations()}


def test_enrich_asset_materializes_silver_and_checks_pass(lake_root: str) -> None:
    land(row("e1"), row("e2"))
    result = _materialize()
    assert result.success
    mats = {
        m.asset_key.to_user_string(): m.metadata
        for m in result.asset_materializations_for_node("enrich")
    }
    assert mats["silver/events"]["new_events"].value == 2
    assert _checks(result) == {
        "event_id_unique": True,
        "event_time_not_in_future": True,
        "known_device_types": True,
    }


def test_checks_catch_broken_silver(lake_root: str) -> None:
    land(row("e1"))
    _materialize()
    bad = io.read_arrow(EVENTS).to_pylist()[0]
    future = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    bad.update(device_type="fridge", event_time=future)
    io.append(EVENTS, [bad])  # a duplicate event_id from the future, on an unknown device
    result = dg.materialize(
        [BRONZE, enrich_asset, *SILVER_CHECKS], selection=[enrich_asset], raise_on_error=False
    )
    assert _checks(result) == {
        "event_id_unique": False,
        "event_time_not_in_future": False,
        "known_device_types": False,
    }


def test_gold_checks_pass_and_fail_on_the_numbers(lake_root: str) -> None:
    def stats(rate: float) -> None:
        io.overwrite(DAILY_STATS, pa.Table.from_pylist([
            {"project_id": "p", "day": DAY, "bounce_rate": rate},
        ]))  # fmt: skip

    def vitals(p75: float) -> None:
        io.overwrite(WEB_VITALS, pa.Table.from_pylist([
            {"project_id": "p", "day": DAY, "metric": "LCP", "p75": p75},
        ]))  # fmt: skip

    def funnel(persons: list[int]) -> None:
        io.overwrite(FUNNEL_STEPS, pa.Table.from_pylist([
            {"project_id": "p", "funnel": "f", "step": i + 1, "persons": n}
            for i, n in enumerate(persons)
        ]))  # fmt: skip

    stats(0.4)
    vitals(2500.0)
    funnel([10, 5, 5])
    assert bounce_rate_in_range().passed
    assert p75_non_negative().passed
    assert funnel_non_increasing().passed
    stats(1.2)
    vitals(-1.0)
    funnel([10, 5, 6])
    assert not bounce_rate_in_range().passed
    assert not p75_non_negative().passed
    assert not funnel_non_increasing().passed
