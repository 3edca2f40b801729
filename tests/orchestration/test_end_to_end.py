"""`pipeline run` end to end (enrich → dbt → publish) on the issue-4 fixture, answers computed
by hand; a run killed mid-way and re-run, and a second run, give the same gold."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from beaconlake.settings import get_settings
from lake import io
from lake.registry import get_table
from orchestration import pipeline
from tests.orchestration.bronze import land
from tests.orchestration.fixture_events import FUNNELS, at, cap, shop


class Killed(BaseException):
    """A kill -9 stand-in: not an Exception, so nothing on the way catches it."""


GOLD = ("sessions", "page_views", "daily_stats", "funnel_steps", "web_vitals")


def gold(name: str, project: str = "shop") -> list[dict[str, Any]]:
    rows = io.read_arrow(get_table(name)).to_pylist()
    return [r for r in rows if r["project_id"] == project]


def snapshot() -> dict[str, list]:
    out = {}
    for name in GOLD:
        rows = io.read_arrow(get_table(name)).to_pylist()
        out[name] = sorted(rows, key=lambda r: sorted((k, str(v)) for k, v in r.items()))
    return out


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Run the pipeline as the issue asks: killed twice, then to the end, then once more."""
    tmp = tmp_path_factory.mktemp("e2e")
    funnels = tmp / "funnels.yml"
    funnels.write_text(FUNNELS)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BEACONLAKE_LAKE_URI", str(tmp / "lake"))
        mp.setenv("BEACONLAKE_DUCKDB_PATH", str(tmp / "build" / "e2e.duckdb"))
        mp.setenv("BEACONLAKE_FUNNELS", str(funnels))
        get_settings.cache_clear()
        land(*shop())
        land(*cap())
        out: dict[str, Any] = {}
        # 1. killed before dbt: silver is committed, gold does not exist.
        from orchestration import dbt_build, publish

        with pytest.MonkeyPatch.context() as kill:
            kill.setattr(dbt_build, "run_dbt_build", _killed)
            with pytest.raises(Killed):
                pipeline.run_pipeline()
        # 2. killed while publishing, after two gold tables were replaced.
        real_overwrite, written = io.overwrite, []

        def overwrite_then_die(table: Any, *a: Any, **kw: Any) -> None:
            if len(written) >= 2:  # publish writes tables in threads: several may pass 2
                raise Killed
            real_overwrite(table, *a, **kw)
            written.append(table.name)

        with pytest.MonkeyPatch.context() as kill:
            kill.setattr(publish.io, "overwrite", overwrite_then_die)
            with pytest.raises(Killed):
                pipeline.run_pipeline()
        # 3. the re-run: the gold the assertions below check.
        out["first"] = pipeline.run_pipeline()
        out["gold"] = snapshot()
        # 4. again, with nothing new.
        out["second"] = pipeline.run_pipeline()
        out["gold_again"] = snapshot()
        yield out
    get_settings.cache_clear()


def _killed(*args: object, **kwargs: object) -> None:
    raise Killed


def test_running_again_changes_nothing(lake: dict[str, Any]) -> None:
    assert lake["second"].enrich.events == 0
    assert lake["gold_again"] == lake["gold"]
    assert all(lake["gold"][name] for name in GOLD)


def test_sessions(lake: dict[str, Any]) -> None:
    got = sorted(
        (s["visitor_id"], s["started_at"], s["ended_at"], s["duration_s"], s["pageviews"],
         s["events"], s["is_bounce"])
        for s in gold("sessions")
    )  # fmt: skip
    assert got == sorted(
        [
            ("v_a", at(10), at(10, 0, 50), 50.0, 2, 4, False),
            ("v_a", at(10, 40, 50), at(10, 42), 70.0, 1, 3, False),  # after the 40-min gap
            # sent_at = timestamp: event_time = received_at (11:00:01); the retry is the same.
            ("v_b", at(11, 0, 1), at(11, 0, 1), 0.0, 1, 1, True),
            ("v_c", at(12), at(12, 2), 120.0, 2, 3, False),
            ("v_d", at(10, day=8), at(10, 1, day=8), 60.0, 2, 2, False),
            ("v_d", at(9), at(9), 0.0, 0, 1, None),  # no page_view: in no bounce rate
            ("v_f", at(13), at(13, 6, 10), 370.0, 4, 8, False),
            ("v_h", at(15), at(15), 0.0, 1, 1, True),  # the skewed clock corrected
            ("v_i", at(17), at(17, 10), 600.0, 2, 2, False),  # no session_id
            ("v_i", at(19, 10), at(19, 10), 0.0, 1, 1, True),
        ]
    )
    first = next(s for s in gold("sessions") if s["started_at"] == at(10))
    assert (first["person_id"], first["entry_path"], first["exit_path"]) == (
        "u_a",
        "/catalog",
        "/product/1",
    )
    assert (first["channel"], first["referrer_host"], first["country"]) == (
        "organic_search",
        "google.com",
        "GB",
    )
    assert (first["browser"], first["device_type"]) == ("Chrome", "desktop")
    assert {s["person_id"] for s in gold("sessions") if s["visitor_id"] == "v_a"} == {"u_a"}
    assert next(s for s in gold("sessions") if s["visitor_id"] == "v_b")["device_type"] == "mobile"


def test_session_cap_of_24_hours(lake: dict[str, Any]) -> None:
    got = sorted((s["started_at"], s["events"], s["pageviews"]) for s in gold("sessions", "cap"))
    assert got == [(at(9, day=22), 58, 1), (at(9, 10), 1, 0)]


def test_page_views(lake: dict[str, Any]) -> None:
    pv = {p["event_id"]: p for p in gold("page_views")}
    assert len(pv) == 16 and "g1" not in pv
    assert (pv["a1"]["engaged_ms"], pv["a1"]["is_entry"], pv["a1"]["is_exit"]) == (
        5000,
        True,
        False,
    )
    assert (pv["a3"]["engaged_ms"], pv["a3"]["is_exit"]) == (25000, True)
    assert pv["a1"]["person_id"] == "u_a"
    assert pv["b1"]["engaged_ms"] is None  # last page of its session, no page_leave
    assert pv["h1"]["event_time"] == at(15)


def test_daily_stats(lake: dict[str, Any]) -> None:
    days = {d["day"]: d for d in gold("daily_stats")}
    d23 = days[dt.date(2026, 11, 23)]
    assert (d23["visitors"], d23["sessions"], d23["pageviews"]) == (7, 9, 14)
    assert d23["bounce_rate"] == pytest.approx(3 / 8)  # the page-view-less session excluded
    assert d23["avg_session_duration_s"] == pytest.approx(1210 / 9)
    assert d23["views_per_session"] == pytest.approx(14 / 9)
    d8 = days[dt.date(2026, 11, 8)]
    assert (d8["visitors"], d8["sessions"], d8["pageviews"], d8["bounce_rate"]) == (1, 1, 2, 0.0)
    cap_days = {d["day"]: d["sessions"] for d in gold("daily_stats", "cap")}
    assert cap_days == {dt.date(2026, 11, 22): 1, dt.date(2026, 11, 23): 1}


def test_funnel(lake: dict[str, Any]) -> None:
    steps = sorted(
        (s["step"], s["step_name"] is not None, s["persons"], s["conversion_from_first"],
         s["conversion_from_previous"])
        for s in gold("funnel_steps") if s["funnel"] == "checkout"
    )  # fmt: skip
    assert steps == [
        (1, True, 3, 1.0, None),  # no previous step
        (2, True, 2, pytest.approx(2 / 3), pytest.approx(2 / 3)),
        (3, True, 1, pytest.approx(1 / 3), 0.5),
    ]
    medians = {s["step"]: s["median_time_from_previous_s"] for s in gold("funnel_steps")}
    assert (medians[2], medians[3]) == (40.0, 2500.0)


def test_web_vitals_p75(lake: dict[str, Any]) -> None:
    rows = [v for v in gold("web_vitals") if v["metric"] == "LCP"]
    assert len(rows) == 1
    v = rows[0]
    assert (v["day"], v["path"], v["device_type"], v["samples"]) == (
        dt.date(2026, 11, 23),
        "/fast",
        "desktop",
        4,
    )
    assert v["p75"] == pytest.approx(3500.0)
    assert (v["good_share"], v["needs_improvement_share"], v["poor_share"]) == (0.5, 0.25, 0.25)


def test_silver_keeps_the_bot_flagged(lake: dict[str, Any]) -> None:
    from lake.registry import EVENTS

    rows = io.read_arrow(EVENTS).to_pylist()
    assert lake["gold"] and len(rows) == 86  # 27 shop events (b1 once) + 59 in cap
    bots = [r for r in rows if r["is_bot"]]
    assert [(r["event_id"], r["device_type"]) for r in bots] == [("g1", "bot")]
