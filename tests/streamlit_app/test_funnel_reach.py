"""The ad-hoc funnel (funnel_sql + funnel_reach) against a plain per-attempt loop written from
SPEC 4's text and the tie rule; test_funnel_gold.py checks the same figures against dbt's."""

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
    """person → (level, step times) of the best attempt, one attempt at a time.

    A person's events in time order, ties by the first step they match, then their step bits;
    each next step is the first matching event at a later place, within the window of step 1.
    Best: deepest, then the one that got there first, then the latest step-1 event."""
    rows = sorted(zip(pk.tolist(), t.tolist(), m.tolist(), strict=True),
                  key=lambda r: (r[0], r[1], r[2] & -r[2], r[2]))  # fmt: skip
    out = {}
    for p in dict.fromkeys(r[0] for r in rows):
        mine = [(ti, mi) for q, ti, mi in rows if q == p]
        best = None
        for i, (t1, m1) in enumerate(mine):
            if not m1 & 1:
                continue
            times, at = [t1], i
            for k in range(2, n + 1):
                nxt = [j for j in range(at + 1, len(mine)) if mine[j][1] >> (k - 1) & 1]
                if not nxt or mine[nxt[0]][0] > t1 + window:
                    break
                at = nxt[0]
                times.append(mine[at][0])
            score = (len(times), -times[-1], i)
            if best is None or score > best[0]:
                best = (score, times)
        if best is not None:
            out[p] = (len(best[1]), best[1])
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
        (5, 7, 1), (5, 7, 2),                     # same time counts as in order → 2, 0 s
        (12, 7, 2), (12, 7, 1),                   # ... whatever order the rows come in
        (6, 3, 3),                                # one event, both steps: not twice → 1
        (7, 3, 3), (7, 3, 3), (7, 4, 3),          # two events at 3 → 2, 0 s (first there)
        (8, 0, 2),                                # no step 1: not counted
        (9, 0, 1), (9, 10, 2), (9, 100, 1), (9, 101, 2),  # converts twice: the first, 10 µs
        (11, 5, 3), (11, 5, 1),                   # tie: step 1 alone, then the both-steps one
    ]  # fmt: skip
    pk, t, m = (np.array(c, dtype=np.int64) for c in zip(*rows, strict=True))
    got = solve(pk, t, m.astype(np.uint8), 2, DAY)
    want = {1: (1, [10]), 2: (1, [0]), 3: (2, [0, DAY]), 4: (2, [8, 9]), 5: (2, [7, 7]),
            12: (2, [7, 7]), 6: (1, [3]), 7: (2, [3, 3]), 9: (2, [0, 10]),
            11: (2, [5, 5])}  # fmt: skip
    assert got == want == reference(pk, t, m, 2, DAY)


def test_deepest_attempt_wins_then_the_first_to_get_there():
    # steps a → b → c: the attempt at 0 completes; the one at 100 only reaches b
    pk = np.zeros(5, dtype=np.int64)
    t = np.array([0, 10, 20, 100, 110])
    m = np.array([1, 2, 4, 1, 2], dtype=np.uint8)
    assert solve(pk, t, m, 3, 1000) == {0: (3, [0, 10, 20])}
    # c at 20 is outside 0's window: both reach b, the one at 0 first (PostHog's first
    # conversion), not the later, equally deep one
    assert solve(pk, t, m, 3, 15) == {0: (2, [0, 10])}
    m[2] = 2  # b again at 20: still reached first at 10
    assert solve(pk, t, m, 3, 15) == {0: (2, [0, 10])}


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


def _expected(events, n, window):
    """funnel()'s figures from the reference loop; the breakdown label is that of the best
    attempt's step-1 event (one label per person and time in the data below)."""
    pk = events.column("pk").to_numpy()
    t = events.column("t").cast("int64").to_numpy()
    m = events.column("m").to_numpy()
    b = events.column("b").to_pylist() if "b" in events.column_names else [None] * len(pk)
    label = dict(zip(zip(pk.tolist(), t.tolist(), strict=True), b, strict=True))
    rows = []
    for p, (level, times) in reference(pk, t, m, n, window).items():
        row = {"breakdown": label[(p, times[0])]}
        row |= {f"p{k}": level >= k for k in range(1, n + 1)}
        row |= {f"m{k}": (times[k - 1] - times[k - 2]) / 1e6 if level >= k else np.nan
                for k in range(2, n + 1)}  # fmt: skip
        rows.append(row)
    g = pd.DataFrame(rows).groupby("breakdown", dropna=False)
    ps, ms = [f"p{k}" for k in range(1, n + 1)], [f"m{k}" for k in range(2, n + 1)]
    out = g[ps].sum().join(g[ms].median()).reset_index()
    return out.assign(breakdown=None) if "b" not in events.column_names else out


@pytest.mark.parametrize("seed", range(6))
def test_figures_from_silver_as_the_loop(seed):
    """The dashboard's path: funnel_sql over a silver-like table, then funnel()'s figures."""
    r = random.Random(seed)
    start = dt.datetime(2026, 11, 10, tzinfo=dt.UTC)
    rows, devices = [], {}
    for _ in range(r.randrange(200, 2000)):
        person = f"p{r.randrange(60)}"
        when = start + dt.timedelta(seconds=r.randrange(0, 2 * 86_400, r.choice([1, 600])))
        device = devices.setdefault((person, when), r.choice(["desktop", "mobile", None]))
        rows.append(("shop", False, when.date(), when, person, r.choice("abc"),
                     r.choice(["/", "/x", "/y/1", None]), device))  # fmt: skip
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    con.execute(
        "create table events (project_id varchar, is_bot boolean, event_date date, "
        "event_time timestamptz, visitor_id varchar, event varchar, path varchar, "
        "device_type varchar, user_id varchar, event_id varchar default uuid()::varchar)"
    )  # anonymous visitors: the person is the visitor (test_funnel_gold covers identify)
    cols = "project_id, is_bot, event_date, event_time, visitor_id, event, path, device_type"
    con.executemany(f"insert into events ({cols}) values (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    base = {"project": "shop", "d0": start.date(), "d1": dt.date(2026, 11, 13),
            "t0": start, "t1": start + dt.timedelta(days=4)}  # fmt: skip
    four = (("a", "/"), ("b", "/y/*"), ("c", None), ("a", None))
    for steps in ((("a", None), ("a", None)), four):
        for window_s, column in ((3600.0, None), (86_400.0, "device_type"), (0.0, None)):
            sql, params = funnel_sql.build(steps, column)
            events = con.sql(sql, params=base | params).to_arrow_table()
            window = round(window_s * 1e6)
            got = funnel_reach.funnel(events, len(steps), window)
            want = _expected(events, len(steps), window)
            key = ["breakdown"] if column else []
            got, want = (x.sort_values(key or "p1", ignore_index=True) for x in (got, want))
            pd.testing.assert_frame_equal(got, want, check_dtype=False, rtol=1e-12)


def test_step_paths_match_as_the_funnel_file_does():
    """Exact paths and '*'/'?' globs; any other character ('[', '%', '_', '\\') is itself, as
    in dbt's int_funnel_step_events (the file's glob as a LIKE pattern)."""
    paths = ["/p/[id]/1", "/p/i/1", "/p/a_b", "/p/aXb", "/p/100%", "/p/1000", "/p/\\x", "/q"]
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    con.execute(
        "create table events (project_id varchar, is_bot boolean, event_date date, "
        "event_time timestamptz, visitor_id varchar, event varchar, path varchar, "
        "user_id varchar, event_id varchar)"
    )
    t = dt.datetime(2026, 11, 10, tzinfo=dt.UTC)
    con.executemany(
        "insert into events values ('shop', false, ?, ?, ?, 'pv', ?, null, ?)",
        [(t.date(), t, p, p, p) for p in paths],
    )
    base = {"project": "shop", "d0": t.date(), "d1": t.date(), "t0": t,
            "t1": t + dt.timedelta(days=1)}  # fmt: skip

    def matched(pattern: str) -> list[str]:
        sql, params = funnel_sql.build((("pv", pattern), ("pv", None)), None)
        got = con.sql(f"select distinct e.path from ({sql}) f join events e on "
                      "hash(e.visitor_id) = f.pk where f.m & 1 = 1 order by 1",
                      params=base | params).fetchall()  # fmt: skip
        return [r[0] for r in got]

    assert matched("/p/[id]/*") == ["/p/[id]/1"]
    assert matched("/p/[id]/1") == ["/p/[id]/1"]
    assert matched("/p/a_b") == ["/p/a_b"]
    assert matched("/p/a?b") == ["/p/aXb", "/p/a_b"]
    assert matched("/p/100%") == ["/p/100%"]
    assert matched("/p/100*") == ["/p/100%", "/p/1000"]
    assert matched("/p/\\*") == ["/p/\\x"]
