"""The Overview's queries (KPI cards, time series, breakdowns) over gold sessions and page views.

They read `sessions_h` / `page_views_h` (in-memory id integers, see `idhash`) and, for a
whole-hour period without filters, the hourly counts of `rollup`; values a user picks are bound
parameters, column names come from `filters.DIMENSIONS`. `queries` re-exports these functions.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from streamlit_app import db, page_filter, rollup
from streamlit_app.filters import Filters, page_view_conditions
from streamlit_app.filters import session_conditions as _sess

TTL = 60  # gold changes once per micro-batch (≥ 30 s)
SV = ("sessions", "page_views")


def q(sql: str, params: dict[str, Any], root: str) -> pd.DataFrame:
    """A query on the shared snapshot of gold sessions and page views with their id integers."""
    return db.query(sql, params, SV, root, hashed=True)


def range_params(f: Filters) -> dict[str, Any]:
    return {"start": f.start, "end": f.end}


def sessions_source(f: Filters) -> str:
    """`sessions_h` where the page filter's semi-join needs `sh`, else the Parquet view, whose
    scan takes the filters in (cheaper when no id is read)."""
    return "sessions_h" if page_filter.applies(f) else "sessions"


def _hours(f: Filters) -> dict[str, int] | None:
    """Hour numbers of the period's bounds when the hourly rollups answer it exactly."""
    bounds = {"hstart": f.start, "hend": f.end, "hpstart": f.previous.start}
    hours = {k: rollup.hour(t) for k, t in bounds.items()}
    ok = not f.dims and all(h is not None for h in hours.values())
    return {k: h for k, h in hours.items() if h is not None} if ok else None


_KPI_SESSIONS_ROLLUP = """
    select sum(sessions) filter (where hour >= $hstart) as sessions_cur,
      sum(sessions) filter (where hour < $hstart) as sessions_prev,
      sum(bounce_sum) filter (where hour >= $hstart) / sum(bounce_n) filter (where hour >= $hstart)
        as b_cur,
      sum(bounce_sum) filter (where hour < $hstart) / sum(bounce_n) filter (where hour < $hstart)
        as b_prev,
      sum(duration_sum) filter (where hour >= $hstart)
        / sum(duration_n) filter (where hour >= $hstart) as d_cur,
      sum(duration_sum) filter (where hour < $hstart)
        / sum(duration_n) filter (where hour < $hstart) as d_prev
    from sessions_hourly where project_id = $project and hour >= $hpstart and hour < $hend"""


_VISITORS = """n_visitors(case when ended_at >= $start then vk end) as visitors_cur,
    n_visitors(case when started_at < $start then vk end) as visitors_prev"""
_SESSION_AGGS = """count(*) filter (where started_at >= $start) as sessions_cur,
    count(*) filter (where started_at >= $pstart and started_at < $start) as sessions_prev,
    avg(is_bounce::double) filter (where started_at >= $start and pageviews > 0) as b_cur,
    avg(is_bounce::double) filter (
      where started_at >= $pstart and started_at < $start and pageviews > 0) as b_prev,
    avg(duration_s) filter (where started_at >= $start) as d_cur,
    avg(duration_s) filter (where started_at >= $pstart and started_at < $start) as d_prev"""


@st.cache_data(ttl=TTL, show_spinner=False)
def kpis(root: str, f: Filters) -> dict[str, dict[str, float | None]]:
    """The six KPI figures for the period ('cur') and the one before ('prev').

    Visitors (exact) from one scan of `sessions_h`: sessions overlapping each period; sessions,
    bounce rate and duration by start in the period, page views by event time, from the hourly
    rollups when they answer the period exactly. With a page filter, the sessions come from
    `page_filter` (found once for the whole view).
    """
    cond, params = _sess(f)
    params |= {"start": f.start, "end": f.end, "pstart": f.previous.start}
    where = f"from sessions_h s where {cond} and started_at < $end and ended_at >= $pstart"
    hours = _hours(f)
    if page_filter.applies(f):  # those sessions overlap both periods: no condition needed
        sql = f"select {page_filter.VISITORS}, {_SESSION_AGGS} from sessions_f"
        pp = {"start": f.start, "pstart": f.previous.start}
        s = v = page_filter.query(sql, pp, root, f).iloc[0]
    else:
        v = q(f"select {_VISITORS} {where}", params, root).iloc[0]
        s = q(
            _KPI_SESSIONS_ROLLUP if hours is not None else
            f"""select {_SESSION_AGGS} from sessions s
                where {cond} and started_at < $end and started_at >= $pstart""",
            {"project": f.project} | hours if hours is not None else params,
            root,
        ).iloc[0]  # fmt: skip
    if hours is not None:
        pv = q(
            """select sum(pageviews) filter (where hour >= $hstart) as cur,
                      sum(pageviews) filter (where hour < $hstart) as prev
               from page_views_hourly
               where project_id = $project and hour >= $hpstart and hour < $hend""",
            {"project": f.project} | hours,
            root,
        ).iloc[0]
    else:
        sql = """select count(*) filter (where event_time >= $start) as cur,
                        count(*) filter (where event_time < $start) as prev from {}"""
        pcond, pparams = page_view_conditions(f)
        pparams |= {"start": f.start, "end": f.end, "pstart": f.previous.start}
        where = f"page_views pv where {pcond} and event_time >= $pstart and event_time < $end"
        pv = (
            page_filter.query(sql.format("page_views_f"), {"start": f.start}, root, f)
            if page_filter.applies(f)
            else q(sql.format(where), pparams, root)
        ).iloc[0]
    out: dict[str, dict[str, float | None]] = {}
    for period in ("cur", "prev"):
        sessions = _int(s[f"sessions_{period}"])
        pageviews = _int(pv[period])
        out[period] = {
            "visitors": _int(v[f"visitors_{period}"]),
            "sessions": sessions,
            "pageviews": pageviews,
            "views_per_session": pageviews / sessions if sessions else None,
            "bounce_rate": _num(s[f"b_{period}"]),
            "avg_session_duration_s": _num(s[f"d_{period}"]),
        }
    return out


# UTC hour/day buckets by integer arithmetic on epoch microseconds: 5-10x faster than
# date_trunc on TIMESTAMPTZ, which goes through ICU's calendar per row; the bucket numbers
# become timestamps in pandas (a few dozen rows), not per row in SQL.
_BUCKET = "epoch_us({col}) // $us"
_US = {"hour": 3_600_000_000, "day": 86_400_000_000}


@st.cache_data(ttl=TTL, show_spinner=False)
def timeseries(root: str, f: Filters) -> pd.DataFrame:
    """Visitors, sessions and page views per hour or day, missing buckets as zero.

    Visitors per bucket are HyperLogLog estimates (see `breakdown`); sessions and page views
    are exact.
    """
    page = page_filter.applies(f)  # then its sessions and page views, found once for the view
    few = range_params(f) | {"us": _US[f.bucket]}
    cond, params = _sess(f)
    source = "sessions_f where" if page else f"sessions_h s where {cond} and"
    sql = f"""select {_BUCKET.format(col="started_at")} as bucket,
                     least(approx_count_distinct(vh), count(*)) as visitors, count(*) as sessions
              from {source} started_at >= $start and started_at < $end group by 1"""
    s = page_filter.query(sql, few, root, f) if page else q(sql, params | few, root)
    hours = _hours(f)
    if hours is not None:  # the hourly rollup, hours summed into the bucket
        p = q(
            """select hour // $per as bucket, sum(pageviews) as pageviews from page_views_hourly
               where project_id = $project and hour >= $hstart and hour < $hend group by 1""",
            {"project": f.project, "per": _US[f.bucket] // rollup.HOUR_US, "hstart":
             hours["hstart"], "hend": hours["hend"]},
            root,
        )  # fmt: skip
    else:
        pcond, pparams = page_view_conditions(f)
        source = "page_views_f where" if page else f"page_views pv where {pcond} and"
        sql = f"""select {_BUCKET.format(col="event_time")} as bucket, count(*) as pageviews
                  from {source} event_time >= $start and event_time < $end group by 1"""
        p = page_filter.query(sql, few, root, f) if page else q(sql, pparams | few, root)
    freq = "h" if f.bucket == "hour" else "D"
    idx = pd.date_range(f.start, f.end, freq=freq, inclusive="left", tz="UTC")
    out = pd.DataFrame(index=idx)
    for df in (s, p):
        if not df.empty:
            at = pd.to_datetime(df["bucket"] * (_US[f.bucket] // 1000), unit="ms", utc=True)
            df = df.set_index(at).drop(columns="bucket")
            out = out.join(df, how="left")
    for col in ("visitors", "sessions", "pageviews"):
        out[col] = out[col].fillna(0).astype(int) if col in out else 0
    out.index.name = "time"
    return out.reset_index()


def _num(v: Any) -> float | None:
    return None if v is None or pd.isna(v) else float(v)


def _int(v: Any) -> int:
    return 0 if v is None or pd.isna(v) else int(v)
