"""Every query the dashboard runs, in one place, each cached with a TTL.

Rules kept here: values a user chooses are bound parameters (`$name`); identifiers come only
from whitelists in this module or `filters.DIMENSIONS`; `root` (the lake) is an argument of
every cached function so that two lakes never share a cache entry.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pandas as pd
import streamlit as st

from lake.io import open_table
from lake.registry import TABLES
from lake.replay_codec import decode_chunks
from streamlit_app import db, funnel_cache, funnel_reach, funnel_sorted, funnel_sql
from streamlit_app.breakdowns import breakdown as breakdown  # the pages call queries.*
from streamlit_app.event_queries import event_names as event_names
from streamlit_app.event_queries import events_export as events_export
from streamlit_app.event_queries import events_page as events_page
from streamlit_app.event_queries import events_where as _events_where
from streamlit_app.filters import Filters
from streamlit_app.filters import session_conditions as _sess
from streamlit_app.overview_queries import SV, TTL, sessions_source
from streamlit_app.overview_queries import kpis as kpis
from streamlit_app.overview_queries import timeseries as timeseries
from streamlit_app.session_ids import sdk_session_id, silver_keys

log = logging.getLogger(__name__)
LIVE_TTL = 2
GOLD = ("sessions", "page_views", "daily_stats", "funnel_steps", "web_vitals", "retention")
SILVER = ("events", "replay_chunks")
SQL_TABLES = GOLD + SILVER
VITAL_THRESHOLDS = {  # SPEC 4: good ≤ first, needs improvement ≤ second, poor above
    "LCP": (2500.0, 4000.0),
    "INP": (200.0, 500.0),
    "CLS": (0.1, 0.25),
    "FCP": (1800.0, 3000.0),
    "TTFB": (800.0, 1800.0),
}
BREAKDOWN_COLUMNS = {"device": "device_type", "channel": "channel", "country": "country"}


def _q(sql: str, params: dict[str, Any], tables: tuple[str, ...], root: str) -> pd.DataFrame:
    # Gold sessions/page views come with their id hashes (`sessions_h`, `page_views_h`, see
    # idhash): distinct counts and the page filter's semi-join use them, not the id strings.
    return db.query(sql, params, tables, root, hashed=tables == SV)


def _range(f: Filters, prefix: str = "") -> dict[str, Any]:
    return {f"{prefix}start": f.start, f"{prefix}end": f.end}


# ---------------------------------------------------------------- overview


@st.cache_data(ttl=TTL, show_spinner=False)
def projects(root: str) -> list[str]:
    """Projects with gold data, then projects that only exist in meta (no data yet)."""
    df = _q(
        "select project_id from (select distinct project_id from sessions) "
        "union select project_id from projects order by 1",
        {},
        ("sessions", "projects"),
        root,
    )
    return [str(p) for p in df["project_id"]]


# ---------------------------------------------------------------- live


_LIVE = """
    with recent as (
        select event_time as time, event, visitor_id, path, title, country, device_type,
               'silver' as layer
        from events where project_id = $project and event_time >= $since
          and event_date >= $day
        union all
        select received_at, event, visitor_id, url, title, null, null, 'bronze'
        from raw_events r where project_id = $project and received_at >= $since
          and received_date >= $day
          and event_id not in (select event_id from events where event_date >= $day)
    )
"""


@st.cache_data(ttl=LIVE_TTL, show_spinner=False)
def live(
    root: str, project: str, now: dt.datetime
) -> tuple[dict[str, int], pd.DataFrame, pd.DataFrame]:
    """The last 30 minutes (silver, plus bronze rows enrichment has not reached): counts, events
    per minute and the newest 200 events. Aggregated in DuckDB: at thousands of events a second
    the half hour is millions of rows, which must not travel to pandas every 5 seconds."""
    since = now - dt.timedelta(minutes=30)
    day = since.date() - dt.timedelta(days=1)
    params = {"project": project, "since": since, "day": day}

    def run(sql: str, extra: dict[str, Any] | None = None) -> pd.DataFrame:
        return db.query(_LIVE + sql, params | (extra or {}), ("events", "raw_events"), root,
                        since=day)  # fmt: skip

    counts = run(
        """select count(*) as events, count(*) filter (layer = 'bronze') as bronze,
                  count(distinct visitor_id) filter (time >= $online) as online
           from recent""",
        {"online": now - dt.timedelta(minutes=5)},
    ).iloc[0]
    per_minute = run(
        "select date_trunc('minute', time) as minute, count(*) as events from recent "
        "group by 1 order by 1"
    )
    rows = run("select * from recent order by time desc limit 200")
    summary = {k: int(counts[k]) for k in ("events", "bronze", "online")}
    return summary, per_minute, rows


# ---------------------------------------------------------------- funnels


@st.cache_data(ttl=TTL, show_spinner=False)
def funnel_steps(root: str, project: str) -> pd.DataFrame:
    return _q(
        "select * exclude (project_id) from funnel_steps where project_id = $project "
        "order by funnel, step",
        {"project": project},
        ("funnel_steps",),
        root,
    )


@st.cache_data(ttl=TTL, show_spinner=False)
def funnel_adhoc(root: str, project: str, steps: tuple[tuple[str, str | None], ...],
                 window_s: float, start: dt.date, end: dt.date,
                 breakdown_by: str | None = None) -> pd.DataFrame:  # fmt: skip
    """SPEC 4 ordered funnel on silver: per person, the furthest step over all step-1 starts.

    Each next step is the next matching event after the previous one (equal times in step
    order), valid when within the window of its step-1 event (limit included). A person counts
    once, at the deepest step; step times come from the attempt that got there first, the
    latest of those (PostHog's time to convert). The same rule as gold: see funnel_reach.
    """
    if not 2 <= len(steps) <= 6:
        raise ValueError("a funnel has 2 to 6 steps")
    _, params = _events_where(project, start, end, None, None, None, None)
    column = BREAKDOWN_COLUMNS.get(breakdown_by or "")
    window_us = round(window_s * 1_000_000)
    try:
        kept = funnel_cache.get(root, project, start, wait=False)  # in memory, see there
    except Exception:  # e.g. a vacuum removed a file being read: the SQL below still answers
        log.exception("funnel columns of %s not available", project)
        kept = None
    if kept is not None:
        us = [round(params[k].timestamp()) * 1_000_000 for k in ("t0", "t1")]
        wide = funnel_sorted.funnel(kept, steps, window_us, us[0], us[1], column)
    else:
        sql, more = funnel_sql.build(steps, column)
        events = db.query_arrow(sql, params | more, ("events",), root)
        wide = funnel_reach.funnel(events, len(steps), window_us)
    rows = []  # one row per breakdown value and step, as the page shows them
    for r in wide.to_dict("records"):
        for k in range(1, len(steps) + 1):
            med = None if k == 1 else r[f"m{k}"]
            rows.append({"breakdown": r["breakdown"], "step": k, "persons": r[f"p{k}"],
                         "median_time_from_previous_s": None if pd.isna(med) else med})  # fmt: skip
    df = pd.DataFrame(rows, columns=["breakdown", "step", "persons", "median_time_from_previous_s"])
    df = df.sort_values(["breakdown", "step"], na_position="first", ignore_index=True)
    names = {k: _step_name(e, p) for k, (e, p) in enumerate(steps, 1)}
    return add_conversions(df, names)


def _step_name(event: str, path: str | None) -> str:
    return f"{event} {path}" if path else event


def add_conversions(df: pd.DataFrame, names: dict[int, str]) -> pd.DataFrame:
    """Conversion from first and previous step and drop-off, per breakdown value."""
    df = df.copy()
    df["step_name"] = df["step"].map(names)
    df["persons"] = df["persons"].astype(int)
    first = df.groupby("breakdown", dropna=False)["persons"].transform("first")
    prev = df.groupby("breakdown", dropna=False)["persons"].shift(1)
    df["conversion_from_first"] = (df["persons"] / first.where(first > 0)).astype(float)
    df["conversion_from_previous"] = (df["persons"] / prev.where(prev > 0)).astype(float)
    df.loc[df["step"] == 1, "conversion_from_previous"] = 1.0
    df["drop_off"] = (prev - df["persons"]).fillna(0).astype(int)
    return df


# ---------------------------------------------------------------- web vitals


def _vitals_where(project: str, start: dt.date, end: dt.date, device: str | None):
    where = "project_id = $project and day >= $d0 and day <= $d1"
    params: dict[str, Any] = {"project": project, "d0": start, "d1": end}
    if device:
        where += " and device_type = $device"
        params["device"] = device
    return where, params


_VAGG = (
    "sum(samples) as samples, sum(p75 * samples) / nullif(sum(samples), 0) as p75, "
    "sum(good_share * samples) / nullif(sum(samples), 0) as good_share, "
    "sum(needs_improvement_share * samples) / nullif(sum(samples), 0) "
    "as needs_improvement_share, sum(poor_share * samples) / nullif(sum(samples), 0) as poor_share"
)


@st.cache_data(ttl=TTL, show_spinner=False)
def vitals(root: str, project: str, start: dt.date, end: dt.date, device: str | None, by: str):
    """Gold web_vitals aggregated by `by` ('metric', 'day' or 'page'), weighted by samples.

    Shares are exact; p75 over several (day, page, device) groups is the samples-weighted mean
    of their p75s, an approximation of the true pooled percentile.
    """
    where, params = _vitals_where(project, start, end, device)
    keys = {"metric": "metric", "day": "day, metric", "page": "path, device_type, metric"}[by]
    return _q(
        f"select {keys}, {_VAGG} from web_vitals where {where} group by all order by all",
        params,
        ("web_vitals",),
        root,
    )


def rating(metric: str, value: float | None) -> str:
    if value is None or pd.isna(value) or metric not in VITAL_THRESHOLDS:
        return "no data"
    good, ni = VITAL_THRESHOLDS[metric]
    return "good" if value <= good else "needs improvement" if value <= ni else "poor"


# ---------------------------------------------------------------- sessions


@st.cache_data(ttl=TTL, show_spinner=False)
def sessions_list(root: str, f: Filters, person: str | None, limit: int = 200) -> pd.DataFrame:
    cond, params = _sess(f)
    params |= _range(f)
    if person:
        cond += " and (s.person_id = $person or s.visitor_id = $person)"
        params["person"] = person
    return _q(
        f"""select session_id, person_id, started_at, duration_s, pageviews, events, is_bounce,
                   entry_path, exit_path, channel, referrer_host, country, browser, os, device_type,
                   coalesce(has_replay, false) as has_replay, visitor_id, ended_at
            from {sessions_source(f)} s where {cond} and started_at >= $start and started_at < $end
            order by started_at desc, session_id limit {int(limit)}""",
        params,
        SV,
        root,
    )


@st.cache_data(ttl=TTL, show_spinner=False)
def session_timeline(
    root: str,
    project: str,
    session_id: str,
    started_at: dt.datetime | None = None,
    visitor_id: str | None = None,
    ended_at: dt.datetime | None = None,
) -> pd.DataFrame:
    """The session's events; with its start, only the two day partitions it can span (a
    session is capped at 24 hours) are read instead of every day of silver. With its visitor,
    only that visitor's events under the SDK session_id (session_ids.py: another visitor may
    send the same one), within the session's times when given."""
    days, params = "", {"project": project, "sid": session_id}
    if started_at is not None:
        ts = pd.Timestamp(started_at)
        day = (ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")).date()
        days = " and event_date >= $d0 and event_date <= $d1"
        params |= {"d0": day, "d1": day + dt.timedelta(days=1)}
    key = "session_id = $sid"
    if visitor_id:
        days += " and visitor_id = $visitor"
        params |= {"sid": sdk_session_id(session_id, visitor_id), "visitor": visitor_id}
        if started_at is not None and ended_at is not None:
            # Within the session's times, a later piece ('-n') or a session-less session
            # ('v-…') is found by its visitor too (session_ids.silver_keys).
            days += " and event_time >= $t0 and event_time <= $t1"
            keys, none_ok = silver_keys(session_id, visitor_id)
            params |= {"t0": started_at, "t1": ended_at, "sid": keys[0], "sid2": keys[-1]}
            key = "(session_id in ($sid, $sid2)" + (" or session_id is null)" if none_ok else ")")
    return _q(
        f"""select event_time, event, path, title, properties, event_id from events
            where project_id = $project and {key}{days}
            order by event_time, event_id""",
        params,
        ("events",),
        root,
    )


@st.cache_data(ttl=TTL, show_spinner=False)
def replay_events(
    root: str, project: str, session_id: str, visitor_id: str | None = None
) -> list[dict[str, Any]]:
    """The session's rrweb events, decoded from silver replay_chunks in seq order. With its
    visitor, only that visitor's chunks under the SDK session_id (session_ids.py): a session
    never plays another visitor's recording."""
    where, params = "session_id = $sid", {"project": project, "sid": session_id}
    if visitor_id:
        where = "session_id = $sid and visitor_id = $visitor"
        params |= {"sid": sdk_session_id(session_id, visitor_id), "visitor": visitor_id}
    chunks = _q(
        f"""select seq, payload from replay_chunks
           where project_id = $project and {where} order by seq""",
        params,
        ("replay_chunks",),
        root,
    )
    return decode_chunks(chunks.to_dict("records"))


@st.cache_data(ttl=TTL, show_spinner=False)
def person_sessions(root: str, project: str, person_id: str) -> pd.DataFrame:
    return _q(
        """select session_id, started_at, duration_s, pageviews, entry_path, channel, country,
                  device_type
           from sessions where project_id = $project and person_id = $person
           order by started_at desc limit 500""",
        {"project": project, "person": person_id},
        SV,
        root,
    )


# ---------------------------------------------------------------- retention


@st.cache_data(ttl=TTL, show_spinner=False)
def retention(root: str, project: str, start: dt.date, end: dt.date, weeks: int = 8):
    """Weekly cohorts the period touches, from gold `retention` (dbt's agg_retention).

    A cohort is a whole UTC week (Monday) of persons' first sessions, as PostHog and Plausible
    show them; the table is a few rows per week, so the page reads no sessions at all.
    """
    monday = start - dt.timedelta(days=start.weekday())
    df = _q(
        """select cohort_week as cohort, week_number as wk, cohort_persons, retention_share
           from retention
           where project_id = $project and cohort_week between $monday and $end
             and week_number between 0 and $weeks
           order by all""",
        {"project": project, "monday": monday, "end": end, "weeks": weeks},
        ("retention",),
        root,
    )
    if df.empty:
        return pd.DataFrame(columns=["cohort", "persons"] + [f"week {i}" for i in range(1, 9)])
    wide = df.pivot(index="cohort", columns="wk", values="retention_share").fillna(0.0)
    sizes = df.groupby("cohort")["cohort_persons"].max()
    out = pd.DataFrame({"persons": sizes.astype(int)}, index=wide.index)
    for w in range(1, weeks + 1):
        out[f"week {w}"] = wide.get(w, 0.0)
    return out.reset_index()


# ---------------------------------------------------------------- SQL box


@st.cache_data(ttl=TTL, show_spinner=False)
def run_sql(root: str, sql: str, row_limit: int, timeout_s: float):
    """A user's read-only query over gold and silver views (file access off, own connection)."""
    return db.run_untrusted(sql, SQL_TABLES, root, row_limit, timeout_s)


# ---------------------------------------------------------------- pipeline health

HEALTH_TABLES = ("raw_events", "rejected_events", "events", "replay_chunks", *GOLD)


@st.cache_data(ttl=10, show_spinner=False)
def freshness(root: str) -> pd.DataFrame:
    df = _q(
        """select 'bronze' as layer, 'raw_events.received_at' as newest_of,
                  max(received_at) as newest from raw_events
           union all select 'silver', 'events.event_time', max(event_time) from events
           union all select 'gold', 'sessions.ended_at', max(ended_at) from sessions
           union all select 'gold', 'page_views.event_time', max(event_time) from page_views""",
        {},
        ("raw_events", "events", "sessions", "page_views"),
        root,
    )
    now = pd.Timestamp.now(tz="UTC")
    df["age_s"] = (now - pd.to_datetime(df["newest"], utc=True)).dt.total_seconds()
    return df


@st.cache_data(ttl=10, show_spinner=False)
def table_stats(root: str) -> pd.DataFrame:
    """Rows, files and version per table from Delta metadata (no data files read)."""
    rows = []
    for name in HEALTH_TABLES:
        table = TABLES[name]
        delta = open_table(table, root)
        if delta is None:
            rows.append({"layer": table.layer, "table": name, "rows": 0, "files": 0})
            continue
        adds = delta.get_add_actions(flatten=True)
        n = adds.column("num_records").to_pylist() if adds.num_rows else []
        rows.append(
            {
                "layer": table.layer,
                "table": name,
                "rows": int(sum(x or 0 for x in n)),
                "files": len(n),
                "version": delta.version(),
            }
        )
    return pd.DataFrame(rows)


@st.cache_data(ttl=10, show_spinner=False)
def table_history(root: str, limit: int = 10) -> pd.DataFrame:
    """The last commits of silver and gold tables: when each pipeline step last wrote."""
    rows = []
    for name in ("events", *GOLD):
        delta = open_table(TABLES[name], root)
        for h in delta.history(limit) if delta is not None else []:
            metrics = h.get("operationMetrics") or {}
            rows.append(
                {
                    "time": pd.Timestamp(h.get("timestamp", 0), unit="ms", tz="UTC"),
                    "table": name,
                    "version": h.get("version"),
                    "operation": h.get("operation"),
                    "rows_added": metrics.get("num_added_rows"),
                }
            )
    df = pd.DataFrame(rows, columns=["time", "table", "version", "operation", "rows_added"])
    return df.sort_values("time", ascending=False).head(30)


@st.cache_data(ttl=10, show_spinner=False)
def rejected(root: str) -> pd.DataFrame:
    return _q(
        """select reason, count(*) as events, max(received_at) as last_seen,
                  any_value(detail) as example_detail, any_value(payload) as example_payload
           from rejected_events group by 1 order by events desc""",
        {},
        ("rejected_events",),
        root,
    )
