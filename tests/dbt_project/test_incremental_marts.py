"""Incremental marts = a full build, on the silver fixture plus batches aimed at their paths.

After each batch the incremental build (dbt build without --full-refresh, then publish) is
compared with a --full-refresh build of the same silver in another DuckDB file: every mart and
every gold table, EXCEPT ALL both ways. The batches: a late event that merges two sessions
(the later one started on a day that then has no session left), a first identify of an
anonymous visitor (its older sessions change person), a replay chunk for a session without new
events, a page_leave for an old page view and a web vital, a purchase completing an earlier
person's funnel, an identify that merges a visitor's earlier anonymous funnel step into a user
whose other visitor did the later steps (the funnel models rebuild only the touched persons);
then an erasure (the marts are rebuilt in full: int_events_sessionized lost rows). The funnel
intermediates are compared with the full build too. Visitors sending one SDK session_id (sX,
sY): one session each, in the first build and when another visitor's events arrive in a later
batch with earlier event times (the first visitor's session id unchanged, not even rebuilt).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from beaconlake.settings import get_settings
from lake import erasure, io
from lake.registry import EVENTS, REPLAY_CHUNKS, get_table
from orchestration.dbt_build import run_dbt_build
from orchestration.publish import gold_tables, publish_gold
from streamlit_app.session_ids import visitor_suffix
from tests.dbt_project.silver_fixture import _ev, at, events, replay_chunks

FUNNEL_INTERMEDIATES = ("int_funnel_step_events", "int_funnel_reach")


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The fixture silver, built and published once (a full build: no mart state yet)."""
    tmp = tmp_path_factory.mktemp("incremental")
    mp = pytest.MonkeyPatch()
    mp.setenv("BEACONLAKE_LAKE_URI", str(tmp / "lake"))
    mp.setenv("BEACONLAKE_DUCKDB_PATH", str(tmp / "build" / "beaconlake.duckdb"))
    mp.delenv("BEACONLAKE_FUNNELS", raising=False)
    get_settings.cache_clear()
    io.append(EVENTS, events())
    io.append(REPLAY_CHUNKS, replay_chunks())
    # vM: a session late on Nov 11 and, 40 minutes later, one on Nov 12 (no other sessions).
    io.append(
        EVENTS,
        [
            _ev("m1", "page_view", at(11, 23, 50), "vM", "sM", "/catalog"),
            _ev("m2", "page_view", at(12, 0, 30), "vM", "sM", "/product/4"),
        ],
    )
    # Funnel checkout (funnels.yml): vP did steps 1-2 on Nov 3; vQ step 1 anonymously on Nov 8,
    # vR (user-9) steps 2-3 an hour later (no step 1 for user-9: no attempt).
    io.append(
        EVENTS,
        [
            _ev("p1", "page_view", at(3, 9), "vP", "sP", "/catalog"),
            _ev("p2", "page_view", at(3, 9, 5), "vP", "sP", "/product/1"),
            _ev("q1", "page_view", at(8, 9), "vQ", "sQ", "/catalog"),
            # Nov 8 clicks: vQ's (anonymous) and, with user_id user-9, vU's, whose own identity
            # is user-5: when vQ becomes user-9, the day's click persons drop from 2 to 1
            _ev("q0", "click", at(8, 9, 1), "vQ", "sQ", "/catalog"),
            _ev("u1", "identify", at(4, 9), "vU", "sU", "/catalog", user="user-5"),
            _ev("u2", "click", at(8, 9, 30), "vU", "sU2", "/catalog", user="user-9"),
            _ev("r1", "page_view", at(8, 10), "vR", "sR", "/product/2", user="user-9"),
            _ev("r2", "purchase", at(8, 10, 1), "vR", "sR", "/checkout", user="user-9"),
        ],
    )
    io.append(EVENTS, _shared_sdk_session_events())
    io.append(
        REPLAY_CHUNKS,
        [_chunk("rx1", "vX1", at(6, 15, 0, 1)), _chunk("rx2", "vX2", at(6, 14, 50, 1))],
    )
    run_dbt_build(tests=False)
    publish_gold()
    yield tmp
    mp.undo()
    get_settings.cache_clear()


def _shared_sdk_session_events() -> list[dict[str, Any]]:
    """vX1 and vX2 send sX in one batch (vX2's events earlier in time, vX1's event_ids first:
    vX1 keeps sX); vY1 sends sY."""
    return [
        _ev("xa1", "page_view", at(6, 15), "vX1", "sX", "/x"),
        _ev("xa2", "page_view", at(6, 15, 5), "vX1", "sX", "/y"),
        _ev("xb1", "page_view", at(6, 14, 50), "vX2", "sX", "/x"),
        _ev("xb2", "click", at(6, 14, 52), "vX2", "sX", "/x"),
        _ev("ya1", "page_view", at(6, 16), "vY1", "sY", "/x"),
    ]


def _chunk(eid: str, visitor: str, t: datetime) -> dict[str, Any]:
    """A replay chunk of sX recorded by `visitor` (one rrweb event naming it)."""
    payload = json.dumps([{"type": 4, "timestamp": 1, "data": {"href": visitor}}])
    return {**replay_chunks()[0], "event_id": eid, "session_id": "sX", "visitor_id": visitor,
            "first_ts": t, "last_ts": t, "received_at": t, "event_date": t.date(),
            "payload": payload}  # fmt: skip


def _sessions_of(*visitors: str) -> dict[str, tuple[str, int, int, bool]]:
    """Gold sessions of the visitors: id → (visitor, page views, events, has_replay)."""
    return {
        r["session_id"]: (r["visitor_id"], r["pageviews"], r["events"], r["has_replay"])
        for r in io.read_arrow(get_table("sessions")).to_pylist()
        if r["visitor_id"] in visitors
    }


def _query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.sql(sql).fetchall()
    finally:
        con.close()


def _differences(tmp: Path) -> dict[str, tuple[int, int]]:
    """Rows only in the incremental build / only in a full build, per mart and gold table."""
    build = Path(get_settings().duckdb_path)
    full = tmp / "full" / "beaconlake.duckdb"
    full.unlink(missing_ok=True)
    mp = pytest.MonkeyPatch()
    mp.setenv("BEACONLAKE_DUCKDB_PATH", str(full))
    get_settings.cache_clear()
    try:
        run_dbt_build(full_refresh=True, tests=False, unit_tests=False)
    finally:
        mp.undo()
        get_settings.cache_clear()
    con = duckdb.connect()
    con.execute(f"attach '{build}' as inc (read_only)")
    con.execute(f"attach '{full}' as fb (read_only)")
    out: dict[str, tuple[int, int]] = {}
    try:
        for t in gold_tables():
            con.register(f"gold_{t.name}", io.read_arrow(t))
            cols = ", ".join(f'"{c}"' for c in t.columns)
            for label, a in (("mart", f"inc.marts.{t.name}"), ("gold", f"gold_{t.name}")):
                b = f"fb.marts.{t.name}"
                one, two = (
                    con.sql(
                        f"select count(*) from (select {cols} from {x} "
                        f"except all select {cols} from {y})"
                    ).fetchall()[0][0]
                    for x, y in ((a, b), (b, a))
                )
                out[f"{label} {t.name}"] = (one, two)
        for t in FUNNEL_INTERMEDIATES:
            cols = "project_id, person_id, funnel, step, event_time"
            for x, y, k in (("inc", "fb", 0), ("fb", "inc", 1)):
                n = con.sql(
                    f"select count(*) from (select {cols} from {x}.intermediate.{t} "
                    f"except all select {cols} from {y}.intermediate.{t})"
                ).fetchall()[0][0]
                out.setdefault(f"intermediate {t}", (0, 0))
                pair = list(out[f"intermediate {t}"])
                pair[k] = n
                out[f"intermediate {t}"] = (pair[0], pair[1])
    finally:
        con.close()
    return out


def _reach() -> dict[str, list[int]]:
    """Steps reached in funnel checkout, by person (int_funnel_reach of the incremental build)."""
    rows = _query(
        Path(get_settings().duckdb_path),
        "select person_id, list(step order by step) from intermediate.int_funnel_reach "
        "where funnel = 'checkout' group by person_id",
    )
    return {r[0]: r[1] for r in rows}


def _touched_days() -> list[Any]:
    db = Path(get_settings().duckdb_path)
    return [r[0] for r in _query(db, "select day from intermediate.int_touched_days order by 1")]


def test_first_build_equals_full_build(lake: Path) -> None:
    assert all(v == (0, 0) for v in _differences(lake).values())


def test_visitors_sharing_an_sdk_session_id_get_a_session_each(lake: Path) -> None:
    """The first build (a full one): sX is vX1's, vX2's session is sX~<md5(vX2)[:8]>, each with
    its own page views and replay; the dashboard reads each one's events and recording only."""
    from streamlit_app import queries

    x2 = "sX" + visitor_suffix("vX2")
    assert _sessions_of("vX1", "vX2", "vY1") == {
        "sX": ("vX1", 2, 2, True),
        x2: ("vX2", 1, 2, True),
        "sY": ("vY1", 1, 1, False),
    }
    views = io.read_arrow(get_table("page_views")).to_pylist()
    assert sorted(r["session_id"] for r in views if r["event_id"] in ("xa1", "xa2", "xb1")) == [
        "sX",
        "sX",
        x2,
    ]
    root = get_settings().lake_uri
    rows = {r["session_id"]: r for r in io.read_arrow(get_table("sessions")).to_pylist()}
    for sid, visitor, eids in (("sX", "vX1", ["xa1", "xa2"]), (x2, "vX2", ["xb1", "xb2"])):
        recorded = queries.replay_events(root, "p1", sid, visitor)
        assert recorded == [{"type": 4, "timestamp": 1, "data": {"href": visitor}}]
        r = rows[sid]
        timeline = queries.session_timeline(
            root, "p1", sid, r["started_at"], visitor, r["ended_at"]
        )
        assert timeline["event_id"].tolist() == eids
    # A later piece of a group (sM-1: 40 minutes after sM) and a session-less session (vC's)
    # are not named in silver: found by their visitor within their own times.
    for sid, eids in (("sM", ["m1"]), ("sM-1", ["m2"]), ("v-vC-0", ["c1", "c2"])):
        r = rows[sid]
        timeline = queries.session_timeline(
            root, "p1", sid, r["started_at"], r["visitor_id"], r["ended_at"]
        )
        assert timeline["event_id"].tolist() == eids, sid


def test_batch_touching_old_sessions_equals_full_build(lake: Path) -> None:
    days_before = {r["day"] for r in io.read_arrow(get_table("sources")).to_pylist()}
    assert at(12).date() in days_before  # sM-1 started on Nov 12
    reach = _reach()
    assert reach["vP"] == [1, 2] and reach["vQ"] == [1] and "user-9" not in reach
    fallbacks = _fallbacks()
    io.append(
        EVENTS,
        [
            # vP completes checkout on Nov 6, in a new session (within the 14-day window)
            _ev("p3", "purchase", at(6, 12), "vP", "sP2", "/checkout"),
            # vQ identifies as user-9 on Nov 7: its Nov 8 step 1 becomes user-9's, whose other
            # visitor vR (no new event) did steps 2 and 3 after it; person vQ disappears
            _ev("q2", "identify", at(7, 9), "vQ", "sQ2", "/catalog", user="user-9"),
            # bridges sM and sM-1: one session from Nov 11 23:50 to Nov 12 00:30
            _ev("m3", "ping", at(12, 0, 10), "vM", "sM", "/catalog"),
            # vH identifies (first time) in a new session on Nov 7: sH (Nov 6) is user-3's too
            _ev("h9", "identify", at(7, 9), "vH", "sH2", "/catalog", user="user-3"),
            # a page_leave for vK's last page view, which had no engaged time
            _ev(
                "k99",
                "page_leave",
                at(6, 14, 0, 30),
                "vK",
                "sK",
                "/slow",
                props={"duration_ms": 4321},
                device="mobile",
            ),
            _ev(
                "k98",
                "web_vital",
                at(6, 14, 0, 31),
                "vK",
                "sK",
                "/slow",
                props={"name": "CLS", "value": 0.05},
                device="mobile",
            ),
        ],
    )
    # vZ sends sX and vY2 sY, both arriving now with events earlier than the first visitor's
    # (vZ's split at a 40-minute gap); vY1 sends one more event (its group is rebuilt)
    io.append(
        EVENTS,
        [
            {**_ev(eid, name, t, v, sdk, "/x"), "bronze_version": 2}
            for eid, name, t, v, sdk in (
                ("za1", "page_view", at(6, 14), "vZ", "sX"),
                ("za2", "page_view", at(6, 14, 40), "vZ", "sX"),
                ("yb1", "page_view", at(6, 15, 30), "vY2", "sY"),
                ("ya2", "ping", at(6, 16, 10), "vY1", "sY"),
            )
        ],
    )
    # a replay chunk for sB, which gets no new event
    t = at(2, 11, 0, 1)
    io.append(
        REPLAY_CHUNKS,
        [
            {
                **replay_chunks()[0],
                "event_id": "r2",
                "session_id": "sB",
                "visitor_id": "vB",
                "first_ts": t,
                "last_ts": t + timedelta(seconds=2),
                "received_at": t,
                "event_date": t.date(),
            }
        ],
    )
    stale = _stale_builds()
    run_dbt_build(tests=False)
    publish_gold()
    assert _fallbacks() == fallbacks  # new rows found by the bronze_version watermark
    assert _stale_builds() == stale  # events_by_name shifted its persons from its own rows
    # only the days of the groups with new events, not every day (a real incremental run)
    assert _touched_days() == [at(6).date(), at(7).date(), at(11).date(), at(12).date()]
    # events_by_name: the new events' days, and vQ's Nov 8 (its person changed); not Nov 11
    # (vM's group spans it, but its new event is on Nov 12)
    person_days = _query(
        Path(get_settings().duckdb_path),
        "select day from intermediate.int_touched_person_days order by 1",
    )
    assert [r[0] for r in person_days] == [at(d).date() for d in (6, 7, 8, 12)]
    clicks = {
        (r["day"], r["event"]): r["persons"]
        for r in io.read_arrow(get_table("events_by_name")).to_pylist()
    }
    assert clicks[(at(8).date(), "click")] == 1  # vQ's click is user-9's, as vU's
    sessions = {r["session_id"]: r for r in io.read_arrow(get_table("sessions")).to_pylist()}
    assert "sM-1" not in sessions and sessions["sM"]["events"] == 3
    assert sessions["sH"]["person_id"] == "user-3"
    assert sessions["sB"]["has_replay"] is True
    # the funnel models rebuilt only the persons of touched visitors, earlier ones included
    touched = {
        r[0]
        for r in _query(
            Path(get_settings().duckdb_path),
            "select person_id from intermediate.int_touched_persons",
        )
    }
    # vX1 and vX2 are not: another visitor's sX leaves their sessions alone
    assert touched == {"vM", "vH", "user-3", "vK", "vP", "vQ", "user-9", "vZ", "vY1", "vY2"}
    z = "sX" + visitor_suffix("vZ")
    assert _sessions_of("vX1", "vX2", "vZ", "vY1", "vY2") == {
        "sX": ("vX1", 2, 2, True),
        "sX" + visitor_suffix("vX2"): ("vX2", 1, 2, True),
        z: ("vZ", 1, 1, False),
        z + "-1": ("vZ", 1, 1, False),
        "sY": ("vY1", 1, 2, False),
        "sY" + visitor_suffix("vY2"): ("vY2", 1, 1, False),
    }
    reach = _reach()
    assert reach["vP"] == [1, 2, 3] and reach["user-9"] == [1, 2, 3] and "vQ" not in reach
    days_after = {r["day"] for r in io.read_arrow(get_table("sources")).to_pylist()}
    assert at(12).date() not in days_after  # no session starts on Nov 12 any more
    assert all(v == (0, 0) for v in _differences(lake).values()), _differences(lake)


def _fallbacks() -> int:
    """How often int_events_sessionized fell back to the anti-join over all of silver."""
    log = Path(get_settings().duckdb_path).parent / "dbt_logs" / "dbt.log"
    return log.read_text().count("no usable watermark") if log.exists() else 0


def test_rows_below_the_watermark_are_found(lake: Path) -> None:
    """New rows are found by silver's bronze_version (>= the build's highest); one that arrives
    with an older version (a restore, a hand-written table) breaks the per-version counts below
    the watermark, and the model falls back to the anti-join instead of missing it."""
    before = _fallbacks()
    io.append(
        EVENTS,
        [
            {**_ev("w1", "page_view", at(9, 8), "vW", "sW", "/catalog"), "bronze_version": 2},
            # below the watermark (1): without the fallback this click would be missed
            {**_ev("w2", "click", at(9, 8, 1), "vW", "sW", "/catalog"), "bronze_version": 0},
        ],
    )
    run_dbt_build(tests=False)
    publish_gold()
    assert _fallbacks() == before + 1
    sessions = {r["session_id"]: r for r in io.read_arrow(get_table("sessions")).to_pylist()}
    assert sessions["sW"]["events"] == 2
    assert all(v == (0, 0) for v in _differences(lake).values()), _differences(lake)


def _stale_builds() -> int:
    """How often agg_events_by_name found its table newer than the mart state (dbt.log)."""
    log = Path(get_settings().duckdb_path).parent / "dbt_logs" / "dbt.log"
    return log.read_text().count("not built with the mart state") if log.exists() else 0


def test_events_by_name_after_a_run_that_did_not_record_the_state(lake: Path) -> None:
    """events_by_name moves the persons of reidentified visitors from its own previous figures,
    which must be those of the mart state's run. vA and vB (anonymous, page views on Nov 2)
    identify as one new user on Nov 20: Nov 2's page_view persons drop by one. A run that
    builds events_by_name but not int_mart_state (another mart failed) leaves the table a batch
    ahead of the state; the next run must recompute those days, not shift them again."""
    stale = _stale_builds()
    io.append(
        EVENTS,
        [
            _ev("s1", "identify", at(20, 9), "vA", "sA9", "/catalog", user="user-7"),
            _ev("s2", "identify", at(20, 9, 5), "vB", "sB9", "/catalog", user="user-7"),
        ],
    )
    run_dbt_build(select="+agg_events_by_name", tests=False, unit_tests=False)
    assert _stale_builds() == stale  # a normal run: shifted from the state's figures
    io.append(EVENTS, [_ev("s3", "page_view", at(21, 9), "vS", "sS", "/catalog")])
    run_dbt_build(tests=False)
    publish_gold()
    assert _stale_builds() == stale + 1
    nov2 = {
        r["event"]: r["persons"]
        for r in io.read_arrow(get_table("events_by_name")).to_pylist()
        if r["day"] == at(2).date()
    }
    assert nov2["page_view"] == 2  # user-7 (vA, vB) and vC
    assert all(v == (0, 0) for v in _differences(lake).values()), _differences(lake)


def test_erasure_rebuilds_the_marts_in_full(lake: Path) -> None:
    erasure.forget_person("user-1")  # vE and vF
    # silver loses every event with vZ's SDK session_id sX (erasure errs wide), vX1's and
    # vX2's too: so must the build's copies, whose session ids differ (sX~<vX2's suffix>)
    erasure.forget_person("vZ")
    run_dbt_build(tests=False)
    publish_gold()
    all_days = _query(
        Path(get_settings().duckdb_path),
        "select count(distinct cast(timezone('UTC', event_time) as date)) "
        "from intermediate.int_events_sessionized",
    )[0][0]
    assert len(_touched_days()) == all_days  # full scope: erased rows are not traceable
    persons = {r["person_id"] for r in io.read_arrow(get_table("sessions")).to_pylist()}
    assert "user-1" not in persons
    assert not _sessions_of("vX1", "vX2", "vZ") and _sessions_of("vY1", "vY2")
    assert all(v == (0, 0) for v in _differences(lake).values()), _differences(lake)
