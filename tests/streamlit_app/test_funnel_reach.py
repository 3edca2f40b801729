"""The ad-hoc funnel (funnel_sql + funnel_reach) against two references: a plain per-attempt
loop written from SPEC 4's text, and the ASOF-join SQL the dashboard ran before (its results,
medians included, must not change)."""

from __future__ import annotations

import datetime as dt
import random

import duckdb
import numpy as np
import pandas as pd
import pytest

from streamlit_app import funnel_reach, funnel_sql

DAY = 86_400 * 10**6


def reference(pk, t, m, n, window):
    """person → (level, step times) of the best attempt, one attempt at a time."""
    rows = sorted(zip(pk.tolist(), t.tolist(), m.tolist(), strict=True))
    out = {}
    for p in dict.fromkeys(r[0] for r in rows):
        mine = [(ti, mi) for q, ti, mi in rows if q == p]
        for t1, m1 in mine:
            if not m1 & 1:
                continue
            times = [t1]
            for k in range(2, n + 1):
                later = [ti for ti, mi in mine if mi >> (k - 1) & 1 and ti > times[-1]]
                if not later or min(later) > t1 + window:
                    break
                times.append(min(later))
            score = (len(times), t1)  # deepest, then the latest step-1 event
            if p not in out or score >= (out[p][0], out[p][1][0]):
                out[p] = (len(times), times)
    return out


def solve(pk, t, m, n, window):
    best = funnel_reach.best_attempts(pk, t, m, n, window)
    return {
        int(pk[r]): (int(lv), [int(x[i]) for x in best.times[:lv]])
        for i, (r, lv) in enumerate(zip(best.row, best.level, strict=True))
    }


def test_edge_cases_by_hand():
    # marks: 1 = step 1, 2 = step 2, 3 = an event matching both (page_view → page_view)
    rows = [
        (1, 0, 2), (1, 10, 1),                    # out of order: step 2 before step 1 → 1
        (2, 0, 1), (2, 10 + DAY, 2),              # past the 1-day window → 1
        (3, 0, 1), (3, DAY, 2),                   # exactly at the limit → 2, 86,400 s
        (4, 0, 1), (4, 5, 1), (4, 8, 1), (4, 9, 2),  # repeated step 1: the latest, 1 µs
        (5, 7, 1), (5, 7, 2),                     # same time is not "after" → 1
        (6, 3, 3),                                # one event, both steps: not twice → 1
        (7, 3, 3), (7, 3, 3), (7, 4, 3),          # equal times, then a later one → 2, 1 µs
        (8, 0, 2),                                # no step 1: not counted
    ]  # fmt: skip
    pk, t, m = (np.array(c, dtype=np.int64) for c in zip(*rows, strict=True))
    got = solve(pk, t, m.astype(np.uint8), 2, DAY)
    want = {1: (1, [10]), 2: (1, [0]), 3: (2, [0, DAY]), 4: (2, [8, 9]), 5: (1, [7]),
            6: (1, [3]), 7: (2, [3, 4])}  # fmt: skip
    assert got == want == reference(pk, t, m, 2, DAY)


def test_deepest_attempt_wins_over_a_later_one():
    # steps a → b → c: the attempt at 0 completes; the one at 100 only reaches b
    pk = np.zeros(5, dtype=np.int64)
    t = np.array([0, 10, 20, 100, 110])
    m = np.array([1, 2, 4, 1, 2], dtype=np.uint8)
    assert solve(pk, t, m, 3, 1000) == {0: (3, [0, 10, 20])}
    assert solve(pk, t, m, 3, 15) == {0: (2, [100, 110])}  # c at 20 is outside 0's window


@pytest.mark.parametrize("seed", range(12))
def test_random_against_the_loop(seed, monkeypatch):
    rng = np.random.default_rng(seed)
    monkeypatch.setattr(funnel_reach, "CHUNK", 50)  # several parts, two threads
    size = int(rng.integers(1, 600))
    pk = rng.integers(0, 40, size).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    span = int(rng.choice([30, 10**6, 2**61]))  # ties; µs; too wide to pack (time ranks)
    t = rng.integers(-span, span, size)
    n = int(rng.integers(2, 5))
    m = rng.integers(0, 2**n, size).astype(np.uint8)
    window = int(rng.choice([0, 5, span // 3, 2 * span]))
    want = reference(pk, t, m, n, window)
    assert solve(pk, t, m, n, window) == want
    # without rows (no breakdown): packed keys, the same levels and step times
    best = funnel_reach.best_attempts(pk, t, m, n, window, rows=False)
    got = zip(best.level.tolist(), *(x.tolist() for x in best.times), strict=True)
    assert best.row is None
    assert sorted((lv, times[:lv]) for lv, *times in got) == sorted(
        (lv, times) for lv, times in want.values()
    )


def _old_sql(steps, window_s, column):
    """The dashboard's funnel SQL up to this change (ASOF joins, arg_max over structs)."""
    params = {"window_us": round(window_s * 1_000_000)}
    marks = []
    for i, (event, path) in enumerate(steps, 1):
        params[f"e{i}"] = event
        cond = f"event = $e{i}"
        if path:
            params[f"p{i}"] = path
            cond += f" and path {'glob' if '*' in path else '='} $p{i}"
        marks.append(f"coalesce({cond}, false) as m{i}")
    b = f"coalesce({column}, '(none)')" if column else "null::varchar"
    n = len(steps)
    ctes = [
        f"base as materialized (select hash(person_id) as pk, epoch_us(event_time) as t, {b} "
        f"as b, {', '.join(marks)} from events where {funnel_sql.BASE_WHERE})",
        "a1 as (select pk, b, t as t1 from base where m1)",
    ]
    for i in range(2, n + 1):
        p = f"a{i - 1}"
        ctes.append(
            f"s{i} as (select pk, t from base where m{i}), a{i} as (select {p}.*, case when "
            f"s{i}.t <= {p}.t1 + $window_us then s{i}.t end as t{i} from {p} asof left join "
            f"s{i} on {p}.pk = s{i}.pk and {p}.t{i - 1} < s{i}.t)"
        )
    level = " + ".join(["1"] + [f"(t{i} is not null)::int" for i in range(2, n + 1)])
    times = ", ".join(["b"] + [f"t{i}" for i in range(1, n + 1)])
    ctes.append(
        f"scored as (select pk, {level} as level, {times} from a{n}), best as (select pk, "
        f"arg_max(struct_pack({times}), struct_pack(level, t1)) as att, max(level) as level "
        "from scored group by pk)"
    )
    figs = [f"count(*) filter (level >= {k}) as p{k}" for k in range(1, n + 1)]
    figs += [
        f"median((att.t{k} - att.t{k - 1}) / 1e6) filter (level >= {k}) as m{k}"
        for k in range(2, n + 1)
    ]
    sql = f"with {', '.join(ctes)} select att.b as breakdown, {', '.join(figs)} from best"
    return sql + " group by 1", params


@pytest.mark.parametrize("seed", range(6))
def test_same_figures_as_the_old_sql(seed):
    r = random.Random(seed)
    start = dt.datetime(2026, 11, 10, tzinfo=dt.UTC)
    rows, devices = [], {}
    for _ in range(r.randrange(200, 2000)):
        person = f"p{r.randrange(60)}"
        when = start + dt.timedelta(seconds=r.randrange(0, 2 * 86_400, r.choice([1, 600])))
        # one device per person and time: equal step-1 times are one attempt in both versions
        device = devices.setdefault((person, when), r.choice(["desktop", "mobile", None]))
        rows.append(("shop", False, when.date(), when, person, r.choice("abc"),
                     r.choice(["/", "/x", "/y/1", None]), device))  # fmt: skip
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    con.execute(
        "create table events (project_id varchar, is_bot boolean, event_date date, "
        "event_time timestamptz, person_id varchar, event varchar, path varchar, "
        "device_type varchar)"
    )
    con.executemany("insert into events values (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    base = {"project": "shop", "d0": start.date(), "d1": dt.date(2026, 11, 13),
            "t0": start, "t1": start + dt.timedelta(days=4)}  # fmt: skip
    four = (("a", "/"), ("b", "/y/*"), ("c", None), ("a", None))
    for steps in ((("a", None), ("a", None)), four):
        for window_s, column in ((3600.0, None), (86_400.0, "device_type"), (0.0, None)):
            sql, params = funnel_sql.build(steps, column)
            events = con.sql(sql, params=base | params).to_arrow_table()
            new = funnel_reach.funnel(events, len(steps), round(window_s * 1e6))
            old_sql, old_params = _old_sql(steps, window_s, column)
            old = con.execute(old_sql, base | old_params).df()
            key = ["breakdown"] if column else []
            new, old = (x.sort_values(key or "p1", ignore_index=True) for x in (new, old))
            pd.testing.assert_frame_equal(new, old, check_dtype=False, rtol=1e-12)
