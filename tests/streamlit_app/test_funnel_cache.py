"""The funnel on silver's columns kept in memory (funnel_cache + funnel_sorted) gives the SQL
path's figures (funnel_sql + funnel_reach, checked against dbt in test_funnel_gold.py), and
follows silver: appended events and identifies, a rewrite, another project, earlier dates."""

from __future__ import annotations

import datetime as dt
import random
import threading
from typing import Any

import numpy as np
import pandas as pd
import pytest
import streamlit as st

from lake import io
from lake.registry import EVENTS
from streamlit_app import (
    db,
    funnel_cache,
    funnel_columns,
    funnel_reach,
    funnel_sorted,
    funnel_sql,
    queries,
)
from tests.dbt_project.silver_fixture import _ev
from tests.streamlit_app.test_funnel_reach import reference

DAY0 = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
D0, D1 = dt.date(2026, 11, 1), dt.date(2026, 11, 30)
FUNNELS = [  # steps, window s, breakdown
    ((("page_view", None), ("page_view", None)), 86_400.0, None),
    ((("page_view", "/catalog"), ("page_view", "/product/*"), ("purchase", None)), 3600.0,
     "device"),
    ((("page_view", None), ("click", None), ("page_view", "/product/?"), ("purchase", None)),
     7200.0, "channel"),
    ((("identify", None), ("purchase", None)), 86_400.0 * 3, "country"),
    ((("page_view", "/nowhere"), ("purchase", None)), 600.0, None),
    ((("page_view", "/p/[x]*"), ("click", "/p/[x]"), ("purchase", None)), 86_400.0, None),
    ((("no_such_event", None), ("purchase", None)), 600.0, "device"),
]  # fmt: skip


def _events(project: str, seed: int, n: int, day: int = 0, tag: str = "") -> list[dict[str, Any]]:
    """n events of 120 visitors over 3 days from DAY0 + day; a third at the time of the
    visitor's previous event (equal times); one visitor in three identifies (mostly as its own
    user, now and then as another's), a few events carry their own user_id, a few are bots;
    device, channel and country per visitor."""
    r = random.Random(seed)
    paths = ["/catalog", "/product/1", "/product/ab", "/", "/checkout", None, "/p/[x]", "/p/x"]
    span = 3 * 86_400 * 10**6
    rows, last = [], {}
    for i in range(n):
        k = r.randrange(120)
        v = f"v{k}"
        t = DAY0 + dt.timedelta(days=day, microseconds=r.randrange(span))
        t = last[v] if v in last and r.random() < 1 / 3 else t
        last[v] = t
        name = r.choice(["page_view"] * 5 + ["purchase", "click", "identify"])
        user = None
        if name == "identify" and k % 3 == 0:
            user = f"u{k}" if r.random() < 0.8 else f"u{k + 3}"
        elif r.random() < 0.02:
            user = f"u{r.randrange(120)}"
        device = ["desktop", "mobile", "tablet"][k % 3]
        row = _ev(f"{tag}{seed}-{i}", name, t, v, f"s-{v}", r.choice(paths), user=user,
                  device=device, bot=r.random() < 0.03)  # fmt: skip
        country = None if k % 5 == 0 else "DE"
        rows.append(row | {"project_id": project, "channel": ["direct", "email"][k % 2],
                           "country": country})  # fmt: skip
    return rows


def _sql(root: str, project: str, steps, window_s: float, d0: dt.date, d1: dt.date, by):
    """The SQL path's figures (what funnel_adhoc computed before the columns were kept)."""
    _, params = queries._events_where(project, d0, d1, None, None, None, None)
    sql, more = funnel_sql.build(steps, queries.BREAKDOWN_COLUMNS.get(by or ""))
    events = db.query_arrow(sql, params | more, ("events",), root)
    return funnel_reach.funnel(events, len(steps), round(window_s * 1e6))


def _kept(root: str, project: str, steps, window_s: float, d0: dt.date, d1: dt.date, by):
    s = funnel_cache.get(root, project, d0)
    assert s is not None
    t0, t1 = (int(dt.datetime.combine(d, dt.time(), tzinfo=dt.UTC).timestamp()) * 10**6
              for d in (d0, d1 + dt.timedelta(days=1)))  # fmt: skip
    column = queries.BREAKDOWN_COLUMNS.get(by or "")
    return funnel_sorted.funnel(s, steps, round(window_s * 1e6), t0, t1, column)


def _same(root: str, project: str, d0: dt.date = D0, d1: dt.date = D1) -> list[pd.DataFrame]:
    """Asserts kept == SQL for every funnel; returns the kept figures."""
    out = []
    for steps, window, by in FUNNELS:
        want = _sql(root, project, steps, window, d0, d1, by)
        got = _kept(root, project, steps, window, d0, d1, by)
        key = ["breakdown"]
        want = want.sort_values(key, na_position="first", ignore_index=True)
        got = got.sort_values(key, na_position="first", ignore_index=True)
        pd.testing.assert_frame_equal(got, want, check_dtype=False, rtol=1e-12, obj=str(steps))
        out.append(got)
    return out


def _no_rebuild(*args: Any) -> None:
    raise AssertionError("rebuilt from scratch")


@pytest.fixture
def fresh(lake_root: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(db, "SNAPSHOT_TTL_S", 0.0)  # the SQL side sees each commit at once
    funnel_cache.clear()
    st.cache_data.clear()
    yield lake_root
    funnel_cache.clear()


def test_the_same_figures_as_sql(fresh: str) -> None:
    io.append(EVENTS, _events("a", 1, 3000) + _events("b", 2, 800))
    got = _same(fresh, "a")
    assert got[0]["p2"].sum() > 20 and got[1]["p3"].sum() > 0  # the data reaches deep steps
    _same(fresh, "b")
    _same(fresh, "a", dt.date(2026, 11, 3), dt.date(2026, 11, 3))  # part of what is kept
    df = queries.funnel_adhoc(fresh, "a", *FUNNELS[1][:2], D0, D1, "device")  # the page's call
    assert set(df["breakdown"]) == {"desktop", "mobile", "tablet"}


def test_silver_grows_between_two_clicks(fresh: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch appends events and identifies visitors seen before (their earlier rows move to the
    user): the next click counts them, read from the new files only."""
    io.append(EVENTS, _events("a", 3, 1500))
    first = _same(fresh, "a")
    kept = funnel_cache.get(fresh, "a", D0)

    monkeypatch.setattr(funnel_columns, "build", _no_rebuild)
    late = _events("a", 4, 600, day=1, tag="late")
    # an identify earlier than every other: visitors' first user changes to u9
    late += [_ev("late-id", "identify", DAY0, "v3", "s-v3", "/", user="u9") | {"project_id": "a"}]
    io.append(EVENTS, late)
    second = _same(fresh, "a")
    grown = funnel_cache.get(fresh, "a", D0)
    assert grown is not kept and grown.files > kept.files
    assert len(grown.t) > len(kept.t)
    assert not all(a.equals(b) for a, b in zip(first, second, strict=True))


def test_the_first_identify_of_a_project(fresh: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Silver without any user_id, then a batch where visitors seen before identify."""
    anonymous = [r | {"user_id": None} for r in _events("a", 12, 800)]
    io.append(EVENTS, anonymous)
    _same(fresh, "a")
    monkeypatch.setattr(funnel_columns, "build", _no_rebuild)
    io.append(EVENTS, _events("a", 13, 300, day=1, tag="late"))
    _same(fresh, "a")


def test_a_rewrite_rebuilds(fresh: str) -> None:
    io.append(EVENTS, _events("a", 5, 1000))
    _same(fresh, "a")
    io.overwrite(EVENTS, io.conform(EVENTS, _events("a", 6, 700)), fresh)  # removes every file
    _same(fresh, "a")


def test_projects_do_not_leak(fresh: str) -> None:
    """Each project's figures come from its own rows only, with both kept at once."""
    io.append(EVENTS, _events("a", 7, 1200))
    only_a = _same(fresh, "a")
    io.append(EVENTS, _events("b", 8, 1200) + _events("c", 9, 300))
    assert all(x.equals(y) for x, y in zip(only_a, _same(fresh, "a"), strict=True))
    _same(fresh, "b")
    _same(fresh, "c")
    _same(fresh, "a")


def test_dates_before_what_is_kept(fresh: str) -> None:
    io.append(EVENTS, _events("a", 10, 1500))
    _same(fresh, "a", dt.date(2026, 11, 4), D1)
    assert funnel_cache.get(fresh, "a", dt.date(2026, 11, 4)).lo == dt.date(2026, 11, 4)
    _same(fresh, "a")  # from Nov 1: rebuilt to cover it
    assert funnel_cache.get(fresh, "a", D0).lo == D0


@pytest.mark.parametrize("seed", range(10))
def test_solve_as_the_loop(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """funnel_sorted.solve on rows sorted by person and time, equal times in any order, against
    test_funnel_reach's per-attempt loop; odd seeds with time ranks in the score (the path for
    times too far apart to hold as they are)."""
    if seed % 2:
        monkeypatch.setattr(funnel_sorted, "SCORE", 1)
    rng = np.random.default_rng(seed)
    size = int(rng.integers(1, 500))
    p = np.sort(rng.integers(0, 30, size)).astype(np.int32)
    t = rng.integers(0, 40, size)
    order = np.lexsort((rng.random(size), t, p))  # ties shuffled
    p, t = p[order], t[order]
    n = int(rng.integers(2, 5))
    m = rng.integers(1, 2**n, size).astype(np.uint8)
    window = int(rng.choice([0, 5, 15, 100]))
    best = funnel_sorted.solve(p, t, m, n, window, funnel_reach.tie_ranks(n))
    got = {int(p[r]): (int(lv), [int(x[i]) for x in best.times[:lv]])
           for i, (r, lv) in enumerate(zip(best.row, best.level, strict=True))}  # fmt: skip
    assert got == reference(p.astype(np.uint64), t, m, n, window)
    step1 = [times[0] for _, (_, times) in sorted(got.items())]  # Best.row: the step-1 event
    assert t[best.row].tolist() == step1


def test_the_page_builds_them_before_the_click(fresh: str, monkeypatch: pytest.MonkeyPatch) -> None:
    io.append(EVENTS, _events("a", 11, 500))
    funnel_cache.warm(fresh, "a", D0)
    for thread in threading.enumerate():
        if thread.name == "funnel-columns":
            thread.join(60)
    monkeypatch.setattr(funnel_columns, "build", _no_rebuild)
    _same(fresh, "a")


def test_a_click_does_not_wait_for_a_build(fresh: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing kept yet (a restart, the page never opened): the click answers from SQL at once
    while the columns build in the background; the next click finds them."""
    io.append(EVENTS, _events("a", 12, 800))
    real, release = funnel_columns.build, threading.Event()

    def slow_build(*args: Any) -> Any:
        assert release.wait(60)
        return real(*args)

    monkeypatch.setattr(funnel_columns, "build", slow_build)
    steps, window, by = FUNNELS[1]
    df = queries.funnel_adhoc(fresh, "a", steps, window, D0, D1, by)  # before the build ends
    assert funnel_cache.get(fresh, "a", D0, wait=False) is None  # still building
    release.set()
    for thread in threading.enumerate():
        if thread.name == "funnel-columns":
            thread.join(60)
    monkeypatch.setattr(funnel_columns, "build", _no_rebuild)
    assert funnel_cache.get(fresh, "a", D0, wait=False) is not None
    st.cache_data.clear()
    pd.testing.assert_frame_equal(queries.funnel_adhoc(fresh, "a", steps, window, D0, D1, by), df)
