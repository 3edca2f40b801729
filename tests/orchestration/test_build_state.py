"""A micro-batch with nothing new skips dbt and publish, and only then: a changed funnel file,
an erasure or a gold table written by someone else all rebuild."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from beaconlake.settings import get_settings
from lake import erasure, io
from lake.registry import DAILY_STATS, FUNNEL_STEPS, PAGE_VIEWS
from orchestration import dbt_build, pipeline
from tests.orchestration.bronze import land, row
from tests.orchestration.fixture_events import FUNNELS


@pytest.mark.timeout(900)
def test_nothing_new_skips_dbt_but_every_change_rebuilds(
    lake_root: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    funnels = tmp_path / "funnels.yml"
    funnels.write_text(FUNNELS)
    monkeypatch.setenv("BEACONLAKE_DUCKDB_PATH", str(tmp_path / "build" / "b.duckdb"))
    monkeypatch.setenv("BEACONLAKE_FUNNELS", str(funnels))
    get_settings.cache_clear()
    builds: list[int] = []
    real_build = dbt_build.run_dbt_build

    def counting_build(*a: Any, **kw: Any) -> None:  # the real build, counted
        builds.append(1)
        real_build(*a, **kw)

    monkeypatch.setattr(dbt_build, "run_dbt_build", counting_build)
    land(row("e1", visitor_id="va", session_id="sa"), row("e2", visitor_id="vb", session_id="sb"))

    first = pipeline.run_pipeline()
    assert len(builds) == 1 and first.gold_rows["page_views"] == 2
    versions = {t: io.open_table(t).version() for t in (PAGE_VIEWS, DAILY_STATS)}

    again = pipeline.run_pipeline()  # nothing new: no dbt, no gold commit
    assert len(builds) == 1 and again.gold_rows == {} and again.enrich.events == 0
    assert {t: io.open_table(t).version() for t in versions} == versions

    funnels.write_text(FUNNELS.replace("name: checkout", "name: buying"))
    pipeline.run_pipeline()  # a changed funnel file changes gold
    assert len(builds) == 2
    assert {r["funnel"] for r in io.read_arrow(FUNNEL_STEPS).to_pylist()} == {"buying"}

    assert [d["visitors"] for d in io.read_arrow(DAILY_STATS).to_pylist()] == [2]
    erasure.forget_person("vb")  # silver (and gold rows) deleted; the aggregates need a rebuild
    pipeline.run_pipeline()
    assert len(builds) == 3
    assert [d["visitors"] for d in io.read_arrow(DAILY_STATS).to_pylist()] == [1]

    io.overwrite(PAGE_VIEWS, PAGE_VIEWS.schema.empty_table())  # gold written by someone else
    pipeline.run_pipeline()
    assert len(builds) == 4
    assert io.read_arrow(PAGE_VIEWS, ["event_id"]).column("event_id").to_pylist() == ["e1"]
    pipeline.run_pipeline()
    assert len(builds) == 4
