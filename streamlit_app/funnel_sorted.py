"""An ordered funnel (SPEC 4) on funnel_cache's columns: the same rule and figures as
funnel_sql + funnel_reach, without the per-click scan, person resolution and sort.

Why: the rows are already in (person, time) order, so a click marks each row's steps with two
table lookups (event code → step bits, path code → step bits), keeps the marked rows (still in
order), puts events at the same microsecond in step order (funnel_reach.tie_ranks; rare, only
those rows are touched) and follows every attempt as funnel_reach._best does, with the person
and the time compared apart instead of packed in one key. Parts of ~CHUNK rows (whole persons)
run in two threads: small arrays reuse the heap instead of page-faulting fresh ones in.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from streamlit_app import funnel_reach, funnel_sql
from streamlit_app.filters import NONE_LABEL
from streamlit_app.funnel_columns import Silver
from streamlit_app.funnel_reach import Best

Steps = tuple[tuple[str, str | None], ...]
SCORE = 1 << 60  # µs after the earliest step 1 that a score holds (levels 1..6 above them)


def lookups(s: Silver, steps: Steps) -> tuple[np.ndarray, np.ndarray | None]:
    """(event code → bits of the steps with that event, path code → bits of the steps whose
    path matches, or None where no step has a path). A step's path is matched by funnel_sql's
    own condition (step_condition), run by DuckDB over the path dictionary."""
    ev = np.zeros(len(s.codes["event"].values), dtype=np.uint8)
    paths = s.codes["path"].values
    free = sum(1 << i for i, (_, path) in enumerate(steps) if not path)
    pt = np.full(len(paths), free, dtype=np.uint8)
    for i, (event, path) in enumerate(steps):
        code = (s.codes["event"].lookup or {}).get(event)
        if code is not None:
            ev[code] |= 1 << i
        if path:
            pt[_matches(paths, i + 1, event, path)] |= 1 << i
    return ev, None if free == (1 << len(steps)) - 1 else pt


def _matches(paths: tuple, i: int, event: str, path: str) -> np.ndarray:
    """Which dictionary paths (None: NULL) step i's condition accepts, for its own event."""
    cond, params = funnel_sql.step_condition(i, event, path)
    con = duckdb.connect()
    try:
        table = pa.table({"path": pa.array(paths, pa.string())})
        table = table.append_column("event", pa.array([event] * len(paths), pa.string()))
        con.register("d", table)
        out = con.execute(f"select coalesce({cond}, false) as m from d", params).fetchnumpy()
        return np.asarray(out["m"], dtype=bool)
    finally:
        con.close()


def funnel(
    s: Silver, steps: Steps, window_us: int, t0: int, t1: int, column: str | None
) -> pd.DataFrame:
    """funnel_reach.funnel's frame for events with t0 <= event_time < t1 (epoch µs), broken
    down by `column` (one of funnel_columns.COLUMNS) where given."""
    n = len(steps)
    ev, pt = lookups(s, steps)
    whole = t0 <= s.span[0] and t1 > s.span[1]
    rank = funnel_reach.tie_ranks(n)

    def part(i: int) -> Best:
        a, b = int(s.bounds[i]), int(s.bounds[i + 1])
        m = ev[s.cols["event"][a:b]]
        if pt is not None:
            m &= pt[s.cols["path"][a:b]]
        if not whole:
            t = s.t[a:b]
            m[(t < t0) | (t >= t1)] = 0
        sel = np.flatnonzero(m)
        best = solve(s.p[a:b][sel], s.t[a:b][sel], m[sel], n, window_us, rank)
        return Best(best.row if best.row is None else a + sel[best.row], best.level, best.times)

    with ThreadPoolExecutor(2) as pool:
        done = list(pool.map(part, range(len(s.bounds) - 1)))
    best = Best(
        np.concatenate([b.row for b in done]),
        np.concatenate([b.level for b in done]),
        [np.concatenate([b.times[k] for b in done]) for k in range(n)],
    )
    labels = None
    if column:
        names = np.array([NONE_LABEL if v is None else v for v in s.codes[column].values],
                         dtype=object)  # fmt: skip
        labels = names[s.cols[column][best.row]]
    return funnel_reach.figures(best, labels, n)


def solve(
    p: np.ndarray, t: np.ndarray, ms: np.ndarray, n: int, window_us: int, rank: np.ndarray
) -> Best:
    """Best attempts of rows sorted by (p, t) (ties in any order), ms their step bits; Best.row
    indexes these rows."""
    empty = np.empty(0, dtype=np.int64)
    if len(p) == 0 or not (ms & 1).any():
        return Best(empty, empty, [empty] * n)
    size = len(p)
    order = np.arange(size)
    same = (p[1:] == p[:-1]) & (t[1:] == t[:-1])
    if same.any():  # events at the same time in step order (tie_ranks), those rows only
        group = np.concatenate(([0], np.cumsum(~same)))
        tied = np.zeros(size, dtype=bool)
        tied[1:] |= same
        tied[:-1] |= same
        at = np.flatnonzero(tied)
        order[at] = at[np.lexsort((rank[ms[at]], group[at]))]
        ms = ms[order]
    P = np.append(p, -1)  # a sentinel row past the end: another person
    idx = np.arange(size, dtype=np.int32 if size < 2**31 - 1 else np.int64)
    att = np.flatnonzero(ms & 1)
    who, start = P[att], t[att]
    limit = start + window_us  # within the window of step 1, the limit included
    level = np.ones(len(att), dtype=np.int64)
    steps = [att]
    cur, alive = att, np.ones(len(att), dtype=bool)
    for step in range(2, n + 1):  # the next step-k event at a later position
        hit = funnel_reach._next_from((ms & (1 << (step - 1))) != 0, idx)[cur + 1]
        alive &= (P[hit] == who) & (t[np.minimum(hit, size - 1)] <= limit)
        level += alive
        cur = np.where(alive, hit, cur)
        steps.append(cur)
    # per person: the deepest level, the attempts reaching it earliest, the latest of those;
    # the first two as one score (level above the time its last step was reached, reversed)
    starts = np.flatnonzero(np.append(True, who[1:] != who[:-1]))
    sizes = np.diff(np.append(starts, len(att)))
    done = t[cur] - start.min()  # >= 0: no step is before the earliest step 1
    if int(done.max()) < SCORE:  # always, unless times span 36,000 years
        score = (level << 60) | (SCORE - 1 - done)
    else:
        score = (level << 60) | (len(done) - 1 - np.unique(done, return_inverse=True)[1])
    top = np.maximum.reduceat(score, starts)
    best = score == np.repeat(top, sizes)
    chosen = np.maximum.reduceat(np.where(best, np.arange(len(att)), -1), starts)
    times = [t[s[chosen]] for s in steps]
    return Best(order[att[chosen]], top >> 60, times)
