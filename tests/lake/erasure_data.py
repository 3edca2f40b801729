"""A small lake with two people in every layer, for the erasure and retention tests.

Person `user_42` has two identified visitors (v_a, v_b) in silver/gold and one not yet
enriched (v_c, bronze only); `user_7` (v_x) and the anonymous visitor v_q must survive.

No erased id is a kept id with its last character incremented (v_y after v_x): a Parquet
writer truncates a long string statistic's max and increments its last character, so a
checkpoint's `add.stats` max bound could spell it, and `lake_scan` would find it.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb

from lake import io, keys
from lake.registry import (
    DAILY_STATS,
    EVENTS,
    PAGE_VIEWS,
    RAW_EVENTS,
    REJECTED_EVENTS,
    REPLAY_CHUNKS,
    SESSIONS,
)

PERSON = "user_42"
PERSON_IDS = ("user_42", "v_a", "v_b", "v_c", "s_a1", "s_b1", "s_c1")
T0 = dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC)

# (event_id, visitor, session, user_id, person_id in silver or None when bronze-only, project)
EVENTS_SPEC = [
    ("e1", "v_a", "s_a1", None, "user_42", "shop"),
    ("e2", "v_a", "s_a1", "user_42", "user_42", "shop"),
    ("e3", "v_b", "s_b1", "user_42", "user_42", "shop"),
    ("e4", "v_c", "s_c1", "user_42", None, "shop"),
    ("e5", "v_x", "s_x1", "user_7", "user_7", "shop"),
    ("e6", "v_q", "s_q1", None, "v_q", "shop"),
    ("e7", "v_z", "s_z1", None, "v_z", "blog"),
]


def _raw(eid: str, visitor: str, session: str, user: str | None, project: str, when: dt.datetime):
    return {
        "event_id": eid,
        "event": "page_view",
        "timestamp": when.isoformat(),
        "visitor_id": visitor,
        "session_id": session,
        "user_id": user,
        "url": "https://shop.example/p/1",
        "received_at": when,
        "project_id": project,
        "ip_trunc": "203.0.113.0",
        "ingest_batch_id": "b1",
        "received_date": when.date(),
    }


def build(root: str, when: dt.datetime = T0) -> None:
    """Write the two-person lake: bronze, rejected, silver, replay, gold."""
    keys.create_key("shop", root=root)
    keys.create_key("blog", root=root)
    raw, silver, replay, sessions, views = [], [], [], {}, []
    for eid, visitor, session, user, person, project in EVENTS_SPEC:
        raw.append(_raw(eid, visitor, session, user, project, when))
        if person is None:
            continue
        silver.append(
            {
                **raw[-1],
                "event_time": when,
                "event_time_source": "client",
                "person_id": person,
                "channel": "direct",
                "device_type": "desktop",
                "is_bot": False,
                "bronze_version": 0,
                "event_date": when.date(),
            }
        )
        replay.append(
            {
                "event_id": f"r_{eid}",
                "project_id": project,
                "session_id": session,
                "visitor_id": visitor,
                "seq": 0,
                "payload": "[]",
                "received_at": when,
                "event_date": when.date(),
            }
        )
        sessions[session] = {
            "project_id": project,
            "session_id": session,
            "person_id": person,
            "visitor_id": visitor,
            "started_at": when,
            "ended_at": when,
        }
        views.append(
            {
                "project_id": project,
                "event_id": eid,
                "session_id": session,
                "person_id": person,
                "event_time": when,
            }
        )
    rejected = [
        {
            "received_at": when,
            "project_id": "shop",
            "reason": "missing event",
            "payload": json.dumps({"visitor_id": v, "user_id": u}),
            "ingest_batch_id": "b1",
            "received_date": when.date(),
        }
        for v, u in (("v_a", None), ("v_x", "user_7"))
    ]
    daily = [{"project_id": "shop", "day": when.date(), "visitors": 4}]
    io.append(RAW_EVENTS, [*raw, {**raw[0], "event_id": "dummy"}], root=root)
    io.append(REJECTED_EVENTS, rejected, root=root)
    io.append(EVENTS, [*silver, {**silver[0], "event_id": "dummy"}], root=root)
    io.append(REPLAY_CHUNKS, replay, root=root)
    io.append(
        SESSIONS, [*sessions.values(), {**sessions["s_q1"], "session_id": "dummy"}], root=root
    )
    io.append(PAGE_VIEWS, views, root=root)
    io.append(DAILY_STATS, daily, root=root)
    # As after the enrichment's merge: delta-rs rewrites the files with string_view columns,
    # which PyArrow cannot filter; erasure must still find and delete rows in them.
    for table, column in ((RAW_EVENTS, "event_id"), (EVENTS, "event_id"), (SESSIONS, "session_id")):
        io.open_table(table, root).delete(f"{column} = 'dummy'")


def build_duckdb(path: Path) -> None:
    """A dbt-like build file holding incremental copies of silver rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    con.execute("create schema if not exists main_marts").fetchall()
    con.execute(
        "create table main_marts.int_events (event_id varchar, visitor_id varchar,"
        " person_id varchar, session_id varchar, project_id varchar)"
    ).fetchall()
    rows = [(e, v, p or u or v, s, pr) for e, v, s, u, p, pr in EVENTS_SPEC]
    con.executemany("insert into main_marts.int_events values (?, ?, ?, ?, ?)", rows)
    con.execute("create view main_marts.v_events as select * from main_marts.int_events")
    con.execute("create table main_marts.totals (project_id varchar, n bigint)").fetchall()
    con.execute("insert into main_marts.totals values ('shop', 6)").fetchall()
    con.close()
