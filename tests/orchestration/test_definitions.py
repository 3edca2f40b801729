"""The Dagster definitions load, and the asset graph, checks, jobs, sensors and schedules are
pinned by a checked-in snapshot. After an intended change (e.g. a new dbt model) regenerate it:
`UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/orchestration/test_definitions.py`."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.orchestration.dbt_manifest import parse_manifest

SNAPSHOT = Path(__file__).with_name("definitions_snapshot.json")


@pytest.fixture(scope="module")
def defs() -> Any:
    parse_manifest()
    from orchestration.definitions import defs

    return defs


def _snapshot(defs: Any) -> dict[str, Any]:
    graph = defs.resolve_asset_graph()
    assets = {
        k.to_user_string(): sorted(p.to_user_string() for p in graph.get(k).parent_keys)
        for k in graph.get_all_asset_keys()
    }
    # Our checks only: dbt's own tests become checks too and are the dbt project's business.
    checks = sorted(
        c.to_user_string()
        for c in graph.asset_check_keys
        if c.asset_key.path[0] in ("silver", "gold")
    )
    blocking = sorted(
        c.to_user_string()
        for c in graph.asset_check_keys
        if c.asset_key.path[0] == "silver" and graph.get_check_spec(c).blocking
    )
    jobs = {}
    for name in ("pipeline", "maintenance", "erasure"):
        job = defs.resolve_job_def(name)
        jobs[name] = {"tags": dict(job.tags), "executor": job.executor_def.name}
    sensor = defs.resolve_sensor_def("bronze_sensor")
    schedule = defs.resolve_schedule_def("daily_maintenance")
    return {
        "assets": dict(sorted(assets.items())),
        "checks": checks,
        "blocking_checks": blocking,
        "jobs": jobs,
        "sensors": {
            sensor.name: {
                "job": sensor.job_name,
                "interval_s": sensor.minimum_interval_seconds,
                "default_status": sensor.default_status.value,
            }
        },
        "schedules": {
            schedule.name: {
                "job": schedule.job_name,
                "cron": schedule.cron_schedule,
                "timezone": schedule.execution_timezone,
            }
        },
    }


def test_definitions_match_the_snapshot(defs: Any) -> None:
    got = _snapshot(defs)
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n")
    assert got == json.loads(SNAPSHOT.read_text())


def test_silver_feeds_dbt_and_marts_feed_gold(defs: Any) -> None:
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string(): k for k in graph.get_all_asset_keys()}
    children = {p.to_user_string() for p in graph.get(keys["silver/events"]).child_keys}
    assert any("stg_events" in c for c in children)
    for name in ("sessions", "page_views", "daily_stats", "funnel_steps", "web_vitals"):
        parents = {p.to_user_string() for p in graph.get(keys[f"gold/{name}"]).parent_keys}
        assert parents and all(p.startswith("marts/") for p in parents)


def test_dagster_home_template_limits_runs_and_disables_telemetry() -> None:
    from orchestration.home import TEMPLATE

    conf = yaml.safe_load(TEMPLATE.read_text())
    assert conf["telemetry"] == {"enabled": False}
    assert conf["run_queue"]["max_concurrent_runs"] == 1
    assert {"key": "beaconlake/lane", "value": "pipeline", "limit": 1} in conf["run_queue"][
        "tag_concurrency_limits"
    ]
    assert TEMPLATE.parent.name == "dagster_home"
