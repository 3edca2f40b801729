"""Incremental = full: a bench run's incremental dbt build against a full build of its silver.

    .venv/bin/python bench/incremental_check.py --run /tmp/bench-1m/run [--tricky] [--forget 3]

`--run` is the `<lake>/run` dir bench/pipeline.py left (silver, gold and the incremental dbt
build). `--tricky` first lands events aimed at the incremental paths, in two micro-batches (each
`run_pipeline()`): late events in old sessions on old days, page_leaves and web vitals for old
page views, a first identify of old anonymous visitors, a replay chunk for old sessions, an
event 40 minutes after sessions that end late in the day (the session splits: a new session the
next day) and then one in the gap (the pieces merge again: that session disappears); other
visitors sending old sessions' SDK session_ids with earlier event times (one in each batch, the
second while the first visitor's group is rebuilt too: each visitor keeps a session of its own).
`--forget K` then erases K persons (lake.erasure) and runs the pipeline once more. Last, dbt
builds everything again from the same silver with `--full-refresh` into another DuckDB file,
and every mart, the incremental intermediates and every gold Delta table are compared with the
full build, EXCEPT ALL both ways (`_loaded_at`/`_first_loaded_at`/`group_key` aside; doubles
rounded to 9 significant digits: parallel sums differ in the last bits). Prints a row count per
table and exits 1 on any difference.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

import duckdb
import pyarrow as pa

SKIP_COLS = {"_loaded_at", "_first_loaded_at"}
INTERMEDIATES = [
    "int_events_sessionized",
    "int_sessions",
    "int_page_views",
    "int_web_vital_samples",
    "int_identity",
    "int_funnel_step_events",
    "int_funnel_reach",
]


def _event(eid: str, name: str, t: dt.datetime, visitor: str, session: str | None, **kw) -> dict:
    return {
        "event_id": eid,
        "event": name,
        "timestamp": t.isoformat().replace("+00:00", "Z"),
        "sent_at": None,
        "visitor_id": visitor,
        "session_id": session,
        "user_id": kw.get("user_id"),
        "url": "https://shop.example" + kw.get("path", "/catalog"),
        "referrer": None,
        "title": kw.get("path", "/catalog"),
        "properties": kw.get("properties"),
        "received_at": dt.datetime.now(dt.UTC),
        "project_id": "shop",
        "ip_trunc": "81.2.1.0/24",
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
        "ingest_batch_id": "tricky",
        "received_date": dt.datetime.now(dt.UTC).date(),
    }


def _land(rows: list[dict]) -> None:
    from lake import io
    from lake.registry import RAW_EVENTS

    io.append(RAW_EVENTS, pa.Table.from_pylist(rows, schema=RAW_EVENTS.schema))


def tricky(k: int = 40) -> tuple[str, list[tuple], list[tuple]]:
    """Two micro-batches of events that reach old sessions, days and identities."""
    from lake import io
    from lake.registry import get_table
    from orchestration.pipeline import run_pipeline

    gold = io.read_arrow(get_table("sessions"))
    pv = io.read_arrow(get_table("page_views"))
    con = duckdb.connect()
    con.register("s", gold)
    con.register("pv", pv)
    con.execute("set TimeZone = 'UTC'")
    plain = con.sql(
        "select session_id, visitor_id, started_at, ended_at from s "
        "where not regexp_matches(session_id, '-[0-9]+$') and person_id = visitor_id "
        "order by hash(session_id) limit ?",
        params=[k],
    ).fetchall()
    late_day = con.sql(
        "select session_id, visitor_id, ended_at from s "
        "where not regexp_matches(session_id, '-[0-9]+$') "
        "and hour(ended_at) = 23 and minute(ended_at) >= 30 "
        "order by hash(session_id) limit ?",
        params=[k],
    ).fetchall()
    views = con.sql(
        "select pv.event_id, pv.session_id, s.visitor_id, pv.event_time, pv.path "
        "from pv join s using (session_id) order by hash(pv.event_id) limit ?",
        params=[k],
    ).fetchall()
    con.close()
    rows: list[dict] = []
    sec = dt.timedelta(seconds=1)
    tag = f"t{int(time.time())}"
    for i, (sid, vid, start, _end) in enumerate(plain):
        rows.append(_event(f"{tag}-late-{i}", "click", start + sec, vid, sid))  # sessions change
        if i % 2 == 0:  # first identify of an anonymous visitor, in a new group the next day
            nxt = start + dt.timedelta(days=1)
            user = f"{tag}-user-{i // 4}"  # two visitors per user
            rows.append(_event(f"{tag}-id-{i}", "identify", nxt, vid, f"{tag}-s{i}", user_id=user))
        if i % 5 == 0:  # a replay chunk for an old session
            ms = int(start.timestamp() * 1000)
            props = json.dumps({"seq": 0, "first_ts": ms, "last_ts": ms + 1000, "count": 1,
                                "enc": "json", "data": "[]"})  # fmt: skip
            rows.append(_event(f"{tag}-rp-{i}", "replay", start, vid, sid, properties=props))
        if i % 5 == 1:  # another visitor sends this SDK session_id, earlier in time
            other = f"{tag}-dup-{i}"
            rows.append(_event(f"{other}-a", "page_view", start - 300 * sec, other, sid))
            rows.append(_event(f"{other}-b", "click", start - 240 * sec, other, sid))
    for i, (_eid, sid, vid, t, path) in enumerate(views):
        props = json.dumps({"duration_ms": 1234 + i})
        rows.append(_event(f"{tag}-pl-{i}", "page_leave", t + sec, vid, sid, path=path or "/",
                           properties=props))  # fmt: skip
        vital = json.dumps({"name": "INP", "value": 100 + i})
        rows.append(_event(f"{tag}-wv-{i}", "web_vital", t + sec, vid, sid, path=path or "/",
                           properties=vital))  # fmt: skip
    for i, (sid, vid, end) in enumerate(late_day):
        rows.append(_event(f"{tag}-far-{i}", "page_view", end + dt.timedelta(minutes=40), vid, sid))
    _land(rows)
    print(f"tricky batch 1: {len(rows)} events", flush=True)
    run_pipeline()
    return tag, late_day, [p for i, p in enumerate(plain) if i % 5 == 1]


def bridge(tag: str, late_day: list[tuple], shared: list[tuple]) -> None:
    """Events in the gaps of the sessions split by tricky(): the pieces merge again; a third
    visitor for the shared SDK session_ids, and one more event of their first visitor."""
    from orchestration.pipeline import run_pipeline

    bridge = [
        _event(f"{tag}-bridge-{i}", "ping", end + dt.timedelta(minutes=20), vid, sid)
        for i, (sid, vid, end) in enumerate(late_day)
    ]
    for i, (sid, vid, start, _end) in enumerate(shared):
        bridge.append(_event(f"{tag}-dup2-{i}", "page_view", start - dt.timedelta(minutes=10),
                             f"{tag}-dup2-{i}", sid))  # fmt: skip
        bridge.append(_event(f"{tag}-own-{i}", "ping", start + dt.timedelta(seconds=2), vid, sid))
    _land(bridge)
    print(f"tricky batch 2: {len(bridge)} events (merging the split sessions)", flush=True)
    run_pipeline()


def shared_ok(tag: str, shared: list[tuple]) -> bool:
    """Each visitor sending a shared SDK session_id has its own gold session: the first keeps
    the id, the others' are session_id~<md5(visitor)[:8]>."""
    from lake import io
    from lake.registry import get_table
    from streamlit_app.session_ids import visitor_suffix

    rows = io.read_arrow(get_table("sessions"), ["session_id", "visitor_id"]).to_pylist()
    have = {(r["session_id"], r["visitor_id"]) for r in rows}
    want = set()
    for i, (sid, vid, _start, _end) in enumerate(shared):
        others = (f"{tag}-dup-{i * 5 + 1}", f"{tag}-dup2-{i}")
        want |= {(sid, vid)} | {(sid + visitor_suffix(o), o) for o in others}
    ok = want <= have
    print(f"shared SDK session_ids: {len(shared)}, a session per visitor: {ok}", flush=True)
    return ok


def forget(k: int) -> None:
    from lake import erasure, io
    from lake.registry import get_table
    from orchestration.pipeline import run_pipeline

    persons = sorted(set(io.read_arrow(get_table("sessions"), ["person_id"]).column(0).to_pylist()))
    for p in persons[:: max(len(persons) // k, 1)][:k]:
        erasure.forget_person(p)
    print(f"erased {k} persons", flush=True)
    run_pipeline()


def full_build(path: Path) -> None:
    from beaconlake.settings import get_settings
    from orchestration.dbt_build import run_dbt_build

    path.unlink(missing_ok=True)
    old = os.environ.get("BEACONLAKE_DUCKDB_PATH")
    os.environ["BEACONLAKE_DUCKDB_PATH"] = str(path)
    get_settings.cache_clear()
    try:
        run_dbt_build(full_refresh=True, tests=False)
    finally:
        os.environ["BEACONLAKE_DUCKDB_PATH"] = old or ""
        get_settings.cache_clear()


def _cols(con: duckdb.DuckDBPyConnection, rel: str) -> tuple[list[str], list[str]]:
    """(other columns, double columns) of `rel`, quoted, without the load-time columns."""
    other, doubles = [], []
    for name, typ, *_ in con.sql(f"describe {rel}").fetchall():
        if name not in SKIP_COLS:
            (doubles if typ == "DOUBLE" else other).append(f'"{name}"')
    return other, doubles


def diff(con: duckdb.DuckDBPyConnection, a: str, b: str) -> tuple[int, int, int]:
    """Rows of a, rows only in a, rows only in b. Doubles are compared rounded to 9 significant
    digits, and leftover rows that pair up on the other columns with every double within 1e-9
    (relative) count as equal (a rounding boundary between two nearly equal sums)."""
    other, doubles = _cols(con, a)
    rounded = [f"round({d}, 9 - cast(ceil(log10(abs({d}) + 1e-300)) as int)) as {d}"
               for d in doubles]  # fmt: skip
    cols = ", ".join(other + rounded)
    raw = ", ".join(other + doubles)

    def only(x: str, y: str) -> int:
        n = con.sql(
            f"select count(*) from (select {cols} from {x} except all select {cols} from {y})"
        ).fetchall()[0][0]
        if not n or not doubles:
            return n
        same = " and ".join(f"l.{c} is not distinct from r.{c}" for c in other) or "true"
        close = " and ".join(
            f"(l.{d} is not distinct from r.{d} "
            f"or abs(l.{d} - r.{d}) <= 1e-9 * greatest(abs(l.{d}), abs(r.{d})))"
            for d in doubles
        )
        return con.sql(
            f"select count(*) from (select {raw} from {x}) as l "
            f"where not exists (select 1 from (select {raw} from {y}) as r "
            f"where {same} and {close})"
        ).fetchall()[0][0]

    rows = con.sql(f"select count(*) from {a}").fetchall()[0][0]
    return rows, only(a, b), only(b, a)


def compare(incremental: Path, full: Path, lake: str) -> bool:
    from lake import io
    from orchestration.publish import gold_tables

    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    con.execute(f"attach '{incremental}' as inc (read_only)")
    con.execute(f"attach '{full}' as fb (read_only)")
    ok = True
    names = [f"marts.{t.name}" for t in gold_tables()] + [
        f"intermediate.{m}" for m in INTERMEDIATES
    ]
    for name in names:
        rows, one, two = diff(con, f"inc.{name}", f"fb.{name}")
        ok &= one == two == 0
        print(f"{name}: {rows:,} rows; incremental-full {one}, full-incremental {two}")
    for t in gold_tables():
        con.register(f"gold_{t.name}", io.read_arrow(t, root=lake))
        rows, one, two = diff(con, f"gold_{t.name}", f"fb.marts.{t.name}")
        ok &= one == two == 0
        print(f"gold {t.name}: {rows:,} rows; gold-full {one}, full-gold {two}")
    con.close()
    return ok


def scope(build: Path) -> str:
    """What the last dbt run took as changed (all days = a full rebuild of the marts)."""
    con = duckdb.connect(str(build), read_only=True)
    try:
        q = "select count(*) from intermediate."
        n = {t: con.sql(q + t).fetchall()[0][0] for t in
             ("int_touched_visitors", "int_touched_days", "int_touched_person_days")}  # fmt: skip
        days = con.sql(
            "select count(distinct cast(timezone('UTC', event_time) as date)) "
            "from intermediate.int_events_sessionized"
        ).fetchall()[0][0]
    finally:
        con.close()
    v, d, pd = (
        n[t] for t in ("int_touched_visitors", "int_touched_days", "int_touched_person_days")
    )
    return f"scope of the last run: {v:,} visitors, {d} / {days} days, {pd} person days"


def check(run: Path) -> bool:
    full = run / "build" / "full-check.duckdb"
    print(scope(run / "build" / "bench.duckdb"), flush=True)
    full_build(full)
    ok = compare(run / "build" / "bench.duckdb", full, str(run / "lake"))
    print("EQUAL" if ok else "DIFFERENT", flush=True)
    return ok


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--run", required=True, help="bench/pipeline.py's <lake>/run dir")
    ap.add_argument("--tricky", action="store_true")
    ap.add_argument("--forget", type=int, default=0)
    args = ap.parse_args()
    run = Path(args.run).resolve()
    os.environ["BEACONLAKE_LAKE_URI"] = str(run / "lake")
    os.environ["BEACONLAKE_DUCKDB_PATH"] = str(run / "build" / "bench.duckdb")
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    print(f"load average: {os.getloadavg()}", flush=True)
    t0 = time.perf_counter()
    ok = check(run)
    if args.tricky:
        tag, late_day, shared = tricky()
        ok &= check(run)
        bridge(tag, late_day, shared)
        ok &= check(run) and shared_ok(tag, shared)
    if args.forget:
        forget(args.forget)
        ok &= check(run)
    print(f"{'ALL EQUAL' if ok else 'DIFFERENT'} ({time.perf_counter() - t0:.0f} s, "
          f"load {os.getloadavg()[0]:.1f})")  # fmt: skip
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
