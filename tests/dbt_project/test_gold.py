"""The real pipeline from silver to gold: silver fixture -> dbt build -> publish_gold -> Delta.

One fixture lake per silver_person_rewrite mode (each dbt build costs seconds). Answers are
computed by hand in silver_fixture.py's scenarios; gold must match them exactly, whether silver's
anonymous rows already carry their visitor's user or still the visitor_id (docs/silver.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from beaconlake.settings import get_settings
from lake import io
from lake.registry import EVENTS, REPLAY_CHUNKS, get_table
from orchestration.dbt_build import run_dbt_build
from orchestration.publish import gold_tables, publish_gold
from tests.dbt_project.silver_fixture import PROJECT, _ev, at, events, replay_chunks


def gold(name: str, sort: tuple[str, ...]) -> list[dict[str, Any]]:
    rows = io.read_arrow(get_table(name)).to_pylist()
    return sorted(rows, key=lambda r: tuple(str(r[c]) for c in sort))


def snapshot() -> dict[str, list[dict[str, Any]]]:
    return {t.name: gold(t.name, tuple(t.columns)) for t in gold_tables()}


def silver_as(mode: str) -> list[dict[str, Any]]:
    """The fixture's silver as enrichment leaves it: with "batch", every anonymous row of an
    identified visitor carries the visitor's first user; with "maintenance" (before the daily
    squash), every anonymous row carries its visitor_id."""
    rows = events()
    first: dict[str, str] = {}
    for r in sorted(rows, key=lambda r: (r["event_time"], r["event_id"])):
        if r["user_id"]:
            first.setdefault(r["visitor_id"], r["user_id"])
    for r in rows:
        if not r["user_id"]:
            keep = r["visitor_id"]
            r["person_id"] = first.get(keep, keep) if mode == "batch" else keep
    return rows


@pytest.fixture(scope="module", params=["batch", "maintenance"])
def built(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """Silver from the fixture, dbt built and published twice (the second must change nothing)."""
    tmp = tmp_path_factory.mktemp("gold")
    mp = pytest.MonkeyPatch()
    mp.setenv("BEACONLAKE_LAKE_URI", str(tmp / "lake"))
    mp.setenv("BEACONLAKE_DUCKDB_PATH", str(tmp / "build" / "beaconlake.duckdb"))
    mp.delenv("BEACONLAKE_FUNNELS", raising=False)
    get_settings.cache_clear()
    io.append(EVENTS, silver_as(request.param))
    io.append(REPLAY_CHUNKS, replay_chunks())
    run_dbt_build()
    counts = publish_gold()
    first = snapshot()
    run_dbt_build(tests=False)
    counts_again = publish_gold()
    yield {"counts": counts, "first": first, "second": snapshot(), "again": counts_again}
    mp.undo()
    get_settings.cache_clear()


def test_sessions(built: dict[str, Any]) -> None:
    cols = (
        "session_id", "visitor_id", "person_id", "started_at", "ended_at", "duration_s",
        "pageviews", "events", "is_bounce", "entry_path", "exit_path",
    )  # fmt: skip
    got = [tuple(r[c] for c in cols) for r in gold("sessions", ("session_id",))]
    expected = [
        ("sA", "vA", "vA", at(2, 10), at(2, 10, 1, 30), 90.0, 3, 6, False, "/catalog", "/product/2"),  # noqa: E501
        ("sA-1", "vA", "vA", at(2, 10, 40), at(2, 10, 40), 0.0, 0, 1, None, "/product/2", "/product/2"),  # noqa: E501
        ("sB", "vB", "vB", at(2, 11), at(2, 11, 0, 5), 5.0, 1, 2, True, "/catalog", "/catalog"),
        ("sD", "vD", "vD", at(3), at(4), 86400.0, 1, 73, False, "/long", "/long"),
        ("sD-1", "vD", "vD", at(4, 0, 20), at(4, 0, 40), 1200.0, 0, 2, None, "/long", "/long"),
        ("sE", "vE", "user-1", at(5, 9), at(5, 9, 2), 120.0, 2, 3, False, "/catalog", "/product/9"),
        ("sF", "vF", "user-1", at(5, 20), at(5, 20, 1), 60.0, 1, 2, False, "/product/3", "/product/3"),  # noqa: E501
        ("sG", "vG", "user-2", at(5, 10), at(5, 10, 1), 60.0, 1, 2, False, "/about", "/about"),
        ("sH", "vH", "vH", at(6, 10), at(6, 10, 2), 120.0, 2, 4, False, "/checkout", "/catalog"),
        ("sI", "vI", "vI", at(1), at(1), 0.0, 1, 1, True, "/catalog", "/catalog"),
        ("sI-1", "vI", "vI", at(8), at(8), 0.0, 1, 1, True, "/product/7", "/product/7"),
        ("sI-2", "vI", "vI", at(15, 0, 0, 0.000001), at(15, 0, 0, 0.000001), 0.0, 0, 1, None,
         "/checkout", "/checkout"),
        ("sJ", "vJ", "vJ", at(1, 12), at(1, 12), 0.0, 1, 1, True, "/catalog", "/catalog"),
        ("sJ-1", "vJ", "vJ", at(10), at(10), 0.0, 1, 1, True, "/product/1", "/product/1"),
        ("sJ-2", "vJ", "vJ", at(15, 12), at(15, 12), 0.0, 0, 1, None, "/checkout", "/checkout"),
        ("sK", "vK", "vK", at(6, 14), at(6, 14, 0, 11), 11.0, 5, 12, False, "/p75", "/slow"),
        ("v-vC-0", "vC", "vC", at(2, 12), at(2, 12, 10), 600.0, 1, 2, False, "/x", "/x"),
        ("v-vC-1", "vC", "vC", at(2, 13), at(2, 13), 0.0, 1, 1, True, "/y", "/y"),
    ]  # fmt: skip
    assert got == expected
    sessions = gold("sessions", ("session_id",))
    assert {r["project_id"] for r in sessions} == {PROJECT}
    sb = next(r for r in sessions if r["session_id"] == "sB")
    assert (sb["channel"], sb["referrer_host"], sb["device_type"]) == (
        "organic_search",
        "www.google.com",
        "desktop",
    )
    assert next(r for r in sessions if r["session_id"] == "sK")["device_type"] == "mobile"
    assert [r["session_id"] for r in sessions if r["has_replay"]] == ["sK"]


def test_page_views_engaged_time(built: dict[str, Any]) -> None:
    cols = ("event_id", "session_id", "person_id", "path", "engaged_ms", "is_entry", "is_exit")
    got = [tuple(r[c] for c in cols) for r in gold("page_views", ("event_id",))]
    assert got == [
        ("a1", "sA", "vA", "/catalog", 15000, True, False),  # its page_leave
        ("a3", "sA", "vA", "/product/1", 10000, False, False),  # time to the next event
        ("a5", "sA", "vA", "/product/2", None, False, True),  # last page, no page_leave
        ("b1", "sB", "vB", "/catalog", 5000, True, True),
        ("c1", "v-vC-0", "vC", "/x", None, True, True),
        ("c3", "v-vC-1", "vC", "/y", None, True, True),
        ("d000", "sD", "vD", "/long", None, True, True),
        ("e1", "sE", "user-1", "/catalog", 60000, True, False),
        ("e3", "sE", "user-1", "/product/9", None, False, True),
        ("f1", "sF", "user-1", "/product/3", None, True, True),
        ("g1", "sG", "user-2", "/about", None, True, True),  # merged by the later identify
        ("h2", "sH", "vH", "/product/5", 30000, True, False),  # bad page_leave ignored
        ("h3", "sH", "vH", "/catalog", None, False, True),
        ("i1", "sI", "vI", "/catalog", None, True, True),
        ("i2", "sI-1", "vI", "/product/7", None, True, True),
        ("j1", "sJ", "vJ", "/catalog", None, True, True),
        ("j2", "sJ-1", "vJ", "/product/1", None, True, True),
        ("k01", "sK", "vK", "/p75", 1000, True, False),
        ("k04", "sK", "vK", "/p75", 1000, False, False),
        ("k06", "sK", "vK", "/p75", 1000, False, False),
        ("k08", "sK", "vK", "/p75", 1000, False, False),
        ("k10", "sK", "vK", "/slow", None, False, True),
    ]


def test_daily_stats(built: dict[str, Any]) -> None:
    cols = ("day", "visitors", "sessions", "pageviews", "bounce_rate", "avg_session_duration_s")
    rows = gold("daily_stats", ("day",))
    got = [tuple(r[c] for c in cols) for r in rows]
    d = lambda n: date(2026, 11, n)  # noqa: E731
    assert got == [
        (d(1), 2, 2, 2, 1.0, 0.0),
        (d(2), 3, 5, 6, 0.5, 139.0),  # the bot is not a visitor
        (d(3), 1, 1, 1, 0.0, 86400.0),
        (d(4), 1, 1, 0, None, 1200.0),  # sD's last event is at 00:00; sD-1 has no page view
        (d(5), 3, 3, 4, 0.0, 80.0),
        (d(6), 2, 2, 7, 0.0, 65.5),
        (d(8), 1, 1, 1, 1.0, 0.0),
        (d(10), 1, 1, 1, 1.0, 0.0),
        (d(15), 2, 2, 0, None, 0.0),
    ]
    vps = {r["day"]: r["views_per_session"] for r in rows}
    assert vps[d(2)] == pytest.approx(1.2)
    assert vps[d(5)] == pytest.approx(4 / 3)
    assert vps[d(4)] == 0.0


def test_funnel_steps(built: dict[str, Any]) -> None:
    cols = (
        "funnel", "step", "step_name", "persons", "conversion_from_first",
        "conversion_from_previous", "median_time_from_previous_s",
    )  # fmt: skip
    rows = gold("funnel_steps", ("funnel", "step"))
    got = [tuple(r[c] for c in cols) for r in rows if r["funnel"] == "checkout"]
    # The demo shop's funnel is in the default file too: all its steps, nobody on them.
    demo = [(r["step"], r["persons"]) for r in rows if r["funnel"] == "demo_shop_checkout"]
    assert sorted(set(demo)) == [(1, 0), (2, 0), (3, 0)]
    # step 1: vA vB user-1 vH vI vJ; step 2: vA user-1 vI vJ (vH out of order);
    # step 3: vA user-1 (across two devices) vJ (at exactly 14 d); vI is 1 us late.
    assert got == [
        ("checkout", 1, "page_view /catalog", 6, 1.0, None, None),
        ("checkout", 2, "page_view /product/*", 4, pytest.approx(4 / 6), pytest.approx(4 / 6),
         (120.0 + 604800.0) / 2),  # 30 s, 120 s, 7 d, 8.5 d
        ("checkout", 3, "purchase", 3, 0.5, 0.75, 39540.0),  # 2370 s, 39540 s, 5.5 d
    ]  # fmt: skip


def test_web_vitals_p75(built: dict[str, Any]) -> None:
    cols = (
        "day", "path", "device_type", "metric", "samples", "p75", "good_share",
        "needs_improvement_share", "poor_share",
    )  # fmt: skip
    got = [tuple(r[c] for c in cols) for r in gold("web_vitals", ("day", "path", "metric"))]
    assert got == [
        (date(2026, 11, 2), "/product/2", "desktop", "LCP", 1, 2000.0, 1.0, 0.0, 0.0),
        (date(2026, 11, 6), "/p75", "mobile", "INP", 1, 150.0, 1.0, 0.0, 0.0),
        # 1000 (last of two reports), 2000, 3000, 5000: p75 = 3000 + 0.25 * 2000
        (date(2026, 11, 6), "/p75", "mobile", "LCP", 4, 3500.0, 0.5, 0.25, 0.25),
    ]  # /slow's 1,000,000 ms sample is over 15 minutes: dropped


def test_breakdowns(built: dict[str, Any]) -> None:
    retention = [
        (
            r["cohort_week"],
            r["week_number"],
            r["cohort_persons"],
            r["persons"],
            r["retention_share"],
        )
        for r in gold("retention", ("cohort_week", "week_number"))
    ]
    assert retention == [
        (date(2026, 10, 26), 0, 2, 2, 1.0),  # vI, vJ (Sunday Nov 1 is in the week of Oct 26)
        (date(2026, 10, 26), 1, 2, 1, 0.5),
        (date(2026, 10, 26), 2, 2, 2, 1.0),
        (date(2026, 11, 2), 0, 8, 8, 1.0),  # vA vB vC vD user-1 user-2 vH vK
    ]
    names = {(r["day"], r["event"]): r for r in gold("events_by_name", ("day", "event"))}
    pv = names[(date(2026, 11, 2), "page_view")]
    assert (pv["events"], pv["visitors"], pv["persons"]) == (6, 3, 3)  # no bot
    ident = names[(date(2026, 11, 5), "identify")]
    assert (ident["events"], ident["visitors"], ident["persons"]) == (2, 2, 2)
    src = {(r["day"], r["channel"]): r for r in gold("sources", ("day", "channel"))}
    organic = src[(date(2026, 11, 2), "organic_search")]
    assert (organic["sessions"], organic["bounce_rate"], organic["referrer_host"]) == (
        1,
        1.0,
        "www.google.com",
    )
    assert src[(date(2026, 11, 2), "direct")]["sessions"] == 4
    pages = {(r["day"], r["path"]): r for r in gold("top_pages", ("day", "path"))}
    p75 = pages[(date(2026, 11, 6), "/p75")]
    assert (p75["pageviews"], p75["visitors"], p75["avg_engaged_ms"]) == (4, 1, 1000.0)
    entry = {
        (r["day"], r["path"], r["kind"]): r["sessions"]
        for r in gold("entry_exit_pages", ("day", "path", "kind"))
    }
    assert entry[(date(2026, 11, 2), "/catalog", "entry")] == 2  # sA, sB
    assert entry[(date(2026, 11, 2), "/product/2", "exit")] == 2  # sA, sA-1
    devices = {r["device_type"]: r["sessions"] for r in gold("devices", ("device_type",))}
    assert "bot" not in devices
    countries = gold("countries", ("day",))
    assert sum(r["sessions"] for r in countries) == 18
    assert built["counts"]["sessions"] == 18


def test_second_run_changes_nothing(built: dict[str, Any]) -> None:
    assert built["again"] == built["counts"]
    assert built["second"] == built["first"]


def test_publish_is_one_commit_per_table(built: dict[str, Any]) -> None:
    for t in gold_tables():
        dt = io.open_table(t)
        assert dt is not None
        history = dt.history()
        # create (empty, ensure_table) + one overwrite by the first publish; the second
        # publishes the same build, whose marts' fingerprints match: it leaves them alone
        assert [h["operation"] for h in history] == ["WRITE", "CREATE TABLE"], t.name


def test_incremental_rebuilds_only_touched_sessions(built: dict[str, Any]) -> None:
    """New events: touched groups are rebuilt from all their events; others keep their rows."""
    db = Path(get_settings().duckdb_path)

    def loaded() -> dict[str, Any]:
        con = duckdb.connect(str(db), read_only=True)
        try:
            rows = con.execute(
                "select session_id, _loaded_at from intermediate.int_sessions"
            ).fetchall()
        finally:
            con.close()
        return dict(rows)

    before = loaded()
    io.append(
        EVENTS,
        [
            # a click 2 s after sB's page view (with one event still before the late one):
            # sB stops being a bounce
            _ev("b3", "click", at(2, 11, 0, 2), "vB", "sB", "/catalog"),
            # a late event in vC's session-less gap: joins v-vC-0 (12:10 + 15 min) and is
            # still 35 min before v-vC-1 (13:00), which stays apart
            _ev("c4", "ping", at(2, 12, 25), "vC", None, "/x"),
        ],
    )
    run_dbt_build(tests=False)
    publish_gold()
    after = loaded()
    sessions = {r["session_id"]: r for r in gold("sessions", ("session_id",))}
    assert sessions["sB"]["is_bounce"] is False
    assert sessions["sB"]["events"] == 3
    assert sessions["v-vC-0"]["ended_at"] == at(2, 12, 25)
    assert sessions["v-vC-0"]["events"] == 3
    assert sessions["v-vC-1"]["started_at"] == at(2, 13)
    touched = {"sB", "v-vC-0", "v-vC-1"}
    assert set(after) == set(before)
    for sid in before:
        if sid in touched:
            assert after[sid] > before[sid], sid
        else:
            assert after[sid] == before[sid], sid  # not recomputed
    day2 = next(r for r in gold("daily_stats", ("day",)) if r["day"] == date(2026, 11, 2))
    assert day2["bounce_rate"] == 0.25  # v-vC-1 only, of sA, sB, v-vC-0, v-vC-1
