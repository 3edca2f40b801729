"""The Overview with a page filter (alone and with other filters) against figures computed
directly from the same gold rows in pandas: KPI cards of both periods, the daily series and
the session breakdowns, which read the page's sessions found once per view (page_filter)."""

from __future__ import annotations

import datetime as dt
import random

import pandas as pd
import pytest
import streamlit as st

from lake import io
from lake.registry import PAGE_VIEWS, SESSION_DIM_NAMES, SESSIONS
from streamlit_app import page_filter, queries
from streamlit_app.filters import DIMENSIONS, NONE_LABEL, Filters

START = dt.datetime(2026, 11, 10, tzinfo=dt.UTC)
F = Filters("shop", START, START + dt.timedelta(days=7))
PATHS = ["/", "/a", "/b", "/c/1", None]


def _gold(seed: int = 3) -> tuple[list[dict], list[dict]]:
    """400 sessions of 60 visitors over both weeks (some across the boundary), 1-4 page views."""
    r = random.Random(seed)
    sessions, views = [], []
    for i in range(400):
        start = START + dt.timedelta(minutes=r.randrange(-8 * 24 * 60, 7 * 24 * 60))
        n = r.randrange(1, 5)
        dur = r.choice([0, 5, 60, 3600, 2 * 86400])
        row = {
            "project_id": "shop" if i % 10 else "other", "session_id": f"s{i}",
            "visitor_id": f"v{r.randrange(60)}", "started_at": start,
            "ended_at": start + dt.timedelta(seconds=dur), "duration_s": float(dur),
            "pageviews": n, "events": n, "is_bounce": n == 1 and dur < 10,
            "entry_path": r.choice(PATHS), "exit_path": r.choice(PATHS),
            "channel": r.choice(["direct", "email", None]), "referrer_host": None,
            "utm_source": r.choice(["news", None]), "utm_medium": None, "utm_campaign": None,
            "country": r.choice(["DE", "FR", None]), "browser": r.choice(["Chrome", "Safari"]),
            "os": "Linux", "device_type": r.choice(["desktop", "mobile"]),
        }  # fmt: skip
        row["person_id"] = row["visitor_id"]
        sessions.append(row)
        for k in range(n):
            t = start + dt.timedelta(seconds=dur * k / n)
            views.append(
                {"project_id": row["project_id"], "event_id": f"s{i}-{k}", "session_id": f"s{i}",
                 "person_id": row["person_id"], "event_time": t, "path": r.choice(PATHS),
                 "title": "t", "is_entry": k == 0, "is_exit": k == n - 1}
                | {d: row[d] for d in SESSION_DIM_NAMES}
            )  # fmt: skip
    return sessions, views


@pytest.fixture
def gold(lake_root: str) -> tuple[str, pd.DataFrame, pd.DataFrame]:
    s, pv = _gold()
    io.overwrite(SESSIONS, io.conform(SESSIONS, s), root=lake_root)
    io.overwrite(PAGE_VIEWS, io.conform(PAGE_VIEWS, pv), root=lake_root)
    st.cache_data.clear()
    st.cache_resource.clear()
    return lake_root, pd.DataFrame(s), pd.DataFrame(pv)


def _match(df: pd.DataFrame, column: str, value: str) -> pd.Series:
    return df[column].isna() if value == NONE_LABEL else df[column] == value


def _filtered(s: pd.DataFrame, pv: pd.DataFrame, f: Filters):
    """The filter's sessions and page views, by SPEC: a session has the page if one of its
    page views does; page views by their own path and their session's dimensions."""
    s, pv = s[s["project_id"] == f.project], pv[pv["project_id"] == f.project]
    for key, value in f.dims:
        column = DIMENSIONS[key][1]
        if column is None:
            s = s[s["session_id"].isin(pv[_match(pv, "path", value)]["session_id"])]
            pv = pv[_match(pv, "path", value)]
        else:
            s, pv = s[_match(s, column, value)], pv[_match(pv, column, value)]
    return s, pv


def _kpis(s: pd.DataFrame, pv: pd.DataFrame, f: Filters) -> dict:
    out = {}
    for name, p in (("cur", f), ("prev", f.previous)):
        overlap = s[(s["started_at"] < p.end) & (s["ended_at"] >= p.start)]
        started = s[(s["started_at"] >= p.start) & (s["started_at"] < p.end)]
        views = pv[(pv["event_time"] >= p.start) & (pv["event_time"] < p.end)]
        with_pv = started[started["pageviews"] > 0]
        out[name] = {
            "visitors": overlap["visitor_id"].nunique(), "sessions": len(started),
            "pageviews": len(views),
            "views_per_session": len(views) / len(started) if len(started) else None,
            "bounce_rate": with_pv["is_bounce"].mean() if len(with_pv) else None,
            "avg_session_duration_s": started["duration_s"].mean() if len(started) else None,
        }  # fmt: skip
    return out


FILTERS = [
    (("page", "/a"),),
    (("page", "/b"), ("country", "DE")),
    (("channel", NONE_LABEL), ("page", NONE_LABEL)),
    (("page", "/nowhere"),),
]


@pytest.mark.parametrize("kept", [True, False], ids=["kept", "too-big-so-a-cte"])
@pytest.mark.parametrize("dims", FILTERS)
def test_page_filter_figures_equal_a_direct_computation(gold, dims, kept, monkeypatch) -> None:
    if not kept:
        monkeypatch.setattr(page_filter, "MAX_BYTES", -1)
    root, s, pv = gold
    f = Filters(F.project, F.start, F.end, tuple(sorted(dims)))
    s, pv = _filtered(s, pv, f)
    got, want = queries.kpis(root, f), _kpis(s, pv, f)
    for period in ("cur", "prev"):
        for k, v in want[period].items():
            assert got[period][k] == (v if v is None else pytest.approx(v, rel=1e-12)), k
    cur = s[(s["started_at"] >= f.start) & (s["started_at"] < f.end)]
    ts = queries.timeseries(root, f).set_index("time")
    by_day = cur.groupby(cur["started_at"].dt.floor("D")).size()
    assert ts["sessions"].to_dict() == by_day.reindex(ts.index, fill_value=0).to_dict()
    views = pv[(pv["event_time"] >= f.start) & (pv["event_time"] < f.end)]
    pv_day = views.groupby(views["event_time"].dt.floor("D")).size()
    assert ts["pageviews"].to_dict() == pv_day.reindex(ts.index, fill_value=0).to_dict()
    for dim in ("channel", "browser", "country", "device", "source", "entry_page"):
        got = queries.breakdown(root, f, dim).set_index("value")
        column = DIMENSIONS[dim][1]
        c = cur.assign(value=cur[column].fillna(NONE_LABEL))
        g = c.groupby("value")
        assert got["sessions"].to_dict() == g.size().to_dict(), dim
        bounce = c[c["pageviews"] > 0].groupby("value")["is_bounce"].mean()
        want = bounce.reindex(got.index).astype(float).to_dict()
        assert got["bounce_rate"].to_dict() == pytest.approx(want, nan_ok=True), dim
        for value, n in g["visitor_id"].nunique().items():  # HyperLogLog: an estimate
            assert abs(got.loc[value, "visitors"] - n) <= max(1, 0.05 * n), (dim, value)
    pages = queries.breakdown(root, f, "page").set_index("value")
    g = views.assign(value=views["path"].fillna(NONE_LABEL)).groupby("value")
    assert pages["pageviews"].to_dict() == g.size().to_dict()
    for value, n in g["person_id"].nunique().items():
        assert abs(pages.loc[value, "people"] - n) <= max(1, 0.05 * n), value
    assert len(s) > 0 or dims == (("page", "/nowhere"),)
