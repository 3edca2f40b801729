"""The great-expectations asset checks, executed by Dagster on tiny real Delta tables: each
passes on good data and fails on bad data, and its metadata shows GE's expectation results."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import dagster as dg
import pyarrow as pa
import pytest

from lake import io
from lake.registry import DAILY_STATS, EVENTS, FUNNEL_STEPS, WEB_VITALS
from orchestration.assets.keys import SILVER_EVENTS, gold_key
from orchestration.checks import gold
from orchestration.checks.gold import GOLD_CHECKS
from orchestration.checks.silver import FUTURE_TOLERANCE, SILVER_CHECKS
from orchestration.enrich.event_time import MAX_AHEAD

REPO = Path(__file__).resolve().parents[2]
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
DAY = NOW.date()


def event(event_id: str, **kw: Any) -> dict[str, Any]:
    """One silver row with every required column; keywords override."""
    base: dict[str, Any] = {
        "event_id": event_id,
        "project_id": "shop",
        "event": "page_view",
        "event_time": NOW - dt.timedelta(hours=1),
        "event_time_source": "client",
        "received_at": NOW - dt.timedelta(hours=1),
        "visitor_id": "v1",
        "person_id": "v1",
        "channel": "direct",
        "device_type": "desktop",
        "is_bot": False,
        "bronze_version": 0,
    }
    base.update(kw)
    base["event_date"] = base["event_time"].date()
    return base


def check_results(checks: Sequence[Any], asset_keys: list[dg.AssetKey]) -> dict[str, Any]:
    """Run the checks through Dagster (the assets as external specs) → {check name: evaluation}."""
    specs = [dg.AssetSpec(k) for k in asset_keys]
    selection = dg.AssetSelection.checks(*checks)
    result = dg.materialize([*specs, *checks], selection=selection, raise_on_error=False)
    return {e.check_name: e for e in result.get_asset_check_evaluations()}


def entry(evaluation: Any, label: str) -> dict[str, Any]:
    """One expectation's GE result, as the check's metadata shows it."""
    return evaluation.metadata[label].value


def silver_checks(rows: list[dict[str, Any]]) -> dict[str, Any]:
    io.append(EVENTS, rows)
    return check_results(SILVER_CHECKS, [SILVER_EVENTS])


def test_future_tolerance_is_the_enrichment_clamp() -> None:
    assert f"interval {int(FUTURE_TOLERANCE.total_seconds()) // 3600} hour" == MAX_AHEAD


def test_silver_checks_pass_on_good_events(lake_root: str) -> None:
    ahead = NOW + dt.timedelta(hours=2)  # a client clock a little ahead: within the clamp limit
    got = silver_checks([event("e1"), event("e2", event_time=ahead, device_type="mobile")])
    assert {n: e.passed for n, e in got.items()} == {
        "event_id_unique": True,
        "event_time_not_in_future": True,
        "known_device_types": True,
    }
    unique = entry(got["event_id_unique"], "expect_column_values_to_be_unique(event_id)")
    assert unique["expectation_type"] == "expect_column_values_to_be_unique"
    assert unique["success"] is True
    assert unique["element_count"] == 2
    assert unique["unexpected_count"] == 0
    assert got["event_id_unique"].severity == dg.AssetCheckSeverity.ERROR
    assert got["event_id_unique"].metadata["failed_expectations"].value == 0


def test_duplicate_event_id_fails_uniqueness(lake_root: str) -> None:
    got = silver_checks([event("e1"), event("e1"), event("e2")])
    ev = got["event_id_unique"]
    assert not ev.passed
    assert ev.severity == dg.AssetCheckSeverity.ERROR
    unique = entry(ev, "expect_column_values_to_be_unique(event_id)")
    assert unique["success"] is False
    assert unique["unexpected_count"] == 2  # GE counts every row whose event_id repeats
    assert unique["partial_unexpected_list"] == ["e1", "e1"]
    assert "expect_column_values_to_be_unique(event_id) | False | 2" in (
        ev.metadata["gx_results"].value
    )
    assert got["event_time_not_in_future"].passed and got["known_device_types"].passed


def test_future_event_time_fails(lake_root: str) -> None:
    future = NOW + dt.timedelta(days=3)
    got = silver_checks([event("e1"), event("e2", event_time=future)])
    ev = got["event_time_not_in_future"]
    assert not ev.passed
    between = entry(ev, "expect_column_values_to_be_between(event_time)")
    assert between["unexpected_count"] == 1
    assert between["element_count"] == 2
    assert between["partial_unexpected_list"][0].startswith(future.date().isoformat())
    assert got["event_id_unique"].passed


def test_unknown_device_type_fails(lake_root: str) -> None:
    got = silver_checks([event("e1"), event("e2", device_type="fridge")])
    ev = got["known_device_types"]
    assert not ev.passed
    device = entry(ev, "expect_column_values_to_be_in_set(device_type)")
    assert device["success"] is False
    assert device["unexpected_count"] == 1
    assert device["partial_unexpected_list"] == ["fridge"]
    assert entry(ev, "expect_column_values_to_be_in_set(channel)")["success"] is True


def test_blocking_duplicate_check_stops_downstream_assets(lake_root: str) -> None:
    built: list[str] = []

    @dg.asset(key=SILVER_EVENTS)
    def silver_with_a_duplicate() -> None:
        io.append(EVENTS, [event("e1"), event("e1")])

    @dg.asset(deps=[SILVER_EVENTS])
    def downstream() -> None:
        built.append("downstream")

    result = dg.materialize(
        [silver_with_a_duplicate, downstream, *SILVER_CHECKS], raise_on_error=False
    )
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks["event_id_unique"] is False
    assert built == []
    assert not result.success


def write_gold(bounce_rate: float, p75: float, persons: list[int]) -> None:
    io.overwrite(DAILY_STATS, pa.Table.from_pylist([
        {"project_id": "p", "day": DAY, "bounce_rate": 0.25},
        {"project_id": "p", "day": DAY - dt.timedelta(days=1), "bounce_rate": bounce_rate},
        {"project_id": "p", "day": DAY - dt.timedelta(days=2), "bounce_rate": None},
    ]))  # fmt: skip
    io.overwrite(WEB_VITALS, pa.Table.from_pylist([
        {"project_id": "p", "day": DAY, "metric": "LCP", "p75": 2500.0},
        {"project_id": "p", "day": DAY, "metric": "CLS", "p75": p75},
    ]))  # fmt: skip
    io.overwrite(FUNNEL_STEPS, pa.Table.from_pylist([
        {"project_id": pid, "funnel": "checkout", "step": i + 1, "persons": n}
        for pid, counts in (("p", persons), ("q", [3, 1]))
        for i, n in enumerate(counts)
    ]))  # fmt: skip


GOLD_KEYS = [gold_key(n) for n in ("daily_stats", "web_vitals", "funnel_steps")]


def test_gold_checks_pass_on_possible_numbers(lake_root: str) -> None:
    write_gold(bounce_rate=1.0, p75=0.0, persons=[10, 5, 5])
    got = check_results(GOLD_CHECKS, GOLD_KEYS)
    assert {n: e.passed for n, e in got.items()} == {
        "bounce_rate_in_range": True,
        "p75_non_negative": True,
        "funnel_non_increasing": True,
    }
    rate = entry(got["bounce_rate_in_range"], "expect_column_values_to_be_between(bounce_rate)")
    assert (rate["element_count"], rate["missing_count"], rate["unexpected_count"]) == (3, 1, 0)
    assert (rate["min_value"], rate["max_value"]) == (0, 1)
    funnel = entry(
        got["funnel_non_increasing"], "unexpected_rows_expectation(funnel persons increase)"
    )
    assert funnel["expectation_type"] == "unexpected_rows_expectation"
    assert funnel["observed_value"] == 0


@pytest.mark.parametrize(
    ("check", "label", "field", "bad"),
    [
        ("bounce_rate_in_range", "expect_column_values_to_be_between(bounce_rate)",
         "unexpected_count", 1),
        ("p75_non_negative", "expect_column_values_to_be_between(p75)", "unexpected_count", 1),
        ("funnel_non_increasing", "unexpected_rows_expectation(funnel persons increase)",
         "observed_value", 1),
    ],
)  # fmt: skip
def test_gold_checks_fail_on_impossible_numbers(
    lake_root: str, check: str, label: str, field: str, bad: int
) -> None:
    write_gold(bounce_rate=1.5, p75=-1.0, persons=[10, 5, 6])
    (ev,) = check_results([getattr(gold, check)], GOLD_KEYS).values()
    assert not ev.passed
    assert ev.severity == dg.AssetCheckSeverity.ERROR
    assert entry(ev, label)["success"] is False
    assert entry(ev, label)[field] == bad
    assert ev.metadata["failed_expectations"].value == 1


def test_checks_pass_on_empty_tables_and_write_nothing(
    lake_root: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)  # GE's file contexts would write great_expectations/ or gx/ here
    got = check_results([*SILVER_CHECKS, *GOLD_CHECKS], [SILVER_EVENTS, *GOLD_KEYS])
    assert len(got) == 6 and all(e.passed for e in got.values())
    assert list(cwd.iterdir()) == []
    assert list(Path(lake_root).iterdir()) == []  # absent tables are read, never created


def test_loading_the_checks_does_not_import_great_expectations() -> None:
    """GE costs seconds of CPU to import: definitions load (dagster dev, the snapshot test,
    `beaconlake pipeline run`) must not pay it; only a running check does."""
    code = (
        "import sys, orchestration.checks.silver, orchestration.checks.gold; "
        "print(sorted(m for m in ('great_expectations', 'duckdb_engine', 'sqlalchemy') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
