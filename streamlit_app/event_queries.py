"""The events explorer's queries over silver events: filters, cursor pages, export.

Persons follow silver's rule (docs/silver.md): a row's person is its own user_id, else its
visitor's first user_id (earliest event_time, then event_id, over every silver row of the
visitor), else the visitor_id. Silver's `person_id` column holds that rule's answer only after
the daily squash for rows enriched before their visitor's first identify, so the explorer
resolves persons itself: searching for a user finds the anonymous events before the login, and
each row shows the person it belongs to now. `queries` re-exports these functions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from streamlit_app import db
from streamlit_app.overview_queries import TTL

TABLES = ("events",)
EVENT_COLUMNS = (
    "event_time",
    "event_id",
    "event",
    "person_id",
    "visitor_id",
    "session_id",
    "path",
    "title",
    "browser",
    "os",
    "device_type",
    "country",
    "properties",
)
# The visitors whose rows can be the person's (a user's devices, a visitor id typed as it is),
# each with whether the person is that visitor's first user_id (then its anonymous rows are the
# person's). All of silver (any date, any project, bots too), as enrichment's rule reads it.
_PERSON_VISITORS = """
    with v as (
        select $person as visitor_id
        union select visitor_id from events where user_id = $person or person_id = $person
    ),
    first_user as (
        select visitor_id, arg_min(user_id, (event_time, event_id)) as uid from events
        where user_id is not null and visitor_id in (select visitor_id from v)
        group by visitor_id
    )
    select v.visitor_id, coalesce(f.uid = $person, false) as first
    from v left join first_user f using (visitor_id) order by 1
"""
MAX_VISITORS = 1000  # beyond this many ids a person's filter is not worth binding one by one


def _q(sql: str, params: dict[str, Any], root: str) -> pd.DataFrame:
    return db.query(sql, params, TABLES, root)


@st.cache_data(ttl=TTL, show_spinner=False)
def person_visitors(root: str, person: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(visitors whose rows can be the person's, those whose first user_id is the person)."""
    df = _q(_PERSON_VISITORS, {"person": person}, root)
    first = df.loc[df["first"].astype(bool), "visitor_id"]
    return tuple(df["visitor_id"]), tuple(first)


def _in(column: str, name: str, values: tuple[str, ...], params: dict[str, Any]) -> str:
    """`column in ($name0, $name1, …)` with each value bound: a list of constants that DuckDB
    pushes into the Parquet scan, unlike a subquery."""
    if not values:
        return "false"
    params.update({f"{name}{i}": v for i, v in enumerate(values)})
    return f"{column} in ({', '.join(f'${name}{i}' for i in range(len(values)))})"


@st.cache_data(ttl=TTL, show_spinner=False)
def event_names(root: str, project: str) -> list[str]:
    df = _q(
        "select distinct event from events where project_id = $project order by 1",
        {"project": project},
        root,
    )
    return [str(e) for e in df["event"]]


def events_where(project: str, start: dt.date, end: dt.date, event: str | None,
                 person: str | None, prop_key: str | None, prop_value: str | None,
                 visitors: tuple[tuple[str, ...], tuple[str, ...]] | None = None):  # fmt: skip
    """WHERE text and bound parameters for the explorer's filters; `visitors` is
    `person_visitors(root, person)` when known (else it is computed in the query)."""
    parts = [
        "project_id = $project",
        "event_date >= $d0 and event_date <= $d1",
        "event_time >= $t0 and event_time < $t1",
    ]
    params: dict[str, Any] = {
        "project": project,
        "d0": start,
        "d1": end,
        "t0": dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC),
        "t1": dt.datetime.combine(end, dt.time(), tzinfo=dt.UTC) + dt.timedelta(days=1),
    }
    if event:
        parts.append("event = $event")
        params["event"] = event
    if person:
        params["person"] = person
        own = "person_id = $person or visitor_id = $person or user_id = $person"
        if visitors is None or len(visitors[0]) > MAX_VISITORS:
            first = f"visitor_id in (select visitor_id from ({_PERSON_VISITORS}) where first)"
        else:  # every row of the person has one of its visitors: the cheap test first
            parts.append(_in("visitor_id", "pv", visitors[0], params))
            first = _in("visitor_id", "pf", visitors[1], params)
        parts.append(f"({own} or (user_id is null and {first}))")
    if prop_key:
        params["jpath"] = '$."' + prop_key.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if not any(c in prop_key for c in '"\\'):
            # Cheap pre-filter before parsing JSON: without any backslash in the text, a key
            # can only appear spelled as it is, in quotes.
            parts.append("(contains(properties, $jkey) or contains(properties, '\\'))")
            params["jkey"] = f'"{prop_key}"'
        if prop_value:
            parts.append("json_extract_string(properties, $jpath) = $pval")
            params["pval"] = prop_value
        else:
            parts.append("json_extract_string(properties, $jpath) is not null")
    return " and ".join(parts), params


def _select(where: str, limit: int) -> str:
    """The newest `limit` rows matching `where`, each with its person resolved: the first
    user_id of an anonymous row's visitor is looked up for the rows selected only."""
    cols = ", ".join(
        "coalesce(r.user_id, f.uid, r.person_id) as person_id" if c == "person_id" else f"r.{c}"
        for c in EVENT_COLUMNS
    )
    return f"""
        with r as (
            select {", ".join(EVENT_COLUMNS)}, user_id from events where {where}
            order by event_time desc, event_id desc limit {int(limit)}
        ),
        first_user as (
            select visitor_id, arg_min(user_id, (event_time, event_id)) as uid from events
            where user_id is not null
              and visitor_id in (select visitor_id from r where user_id is null)
            group by visitor_id
        )
        select {cols} from r left join first_user f using (visitor_id)
        order by r.event_time desc, r.event_id desc
    """


def _newest_first(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """[start, end] cut into day windows, newest first: the last day, the 6 before, the rest."""
    out, hi = [], end
    for span in (1, 6, None):
        if hi < start:
            break
        lo = start if span is None else max(start, hi - dt.timedelta(days=span - 1))
        out.append((lo, hi))
        hi = lo - dt.timedelta(days=1)
    return out


@st.cache_data(ttl=TTL, show_spinner=False)
def events_page(root: str, project: str, start: dt.date, end: dt.date, event: str | None,
                person: str | None, prop_key: str | None, prop_value: str | None,
                cursor: tuple[dt.datetime, str] | None,
                limit: int = 50) -> pd.DataFrame:  # fmt: skip
    """One page of events, newest first; `cursor` is the last row's (event_time, event_id).

    Asks the newest day partition first and older windows only while the page is not full:
    the first page reads one day of silver, not the whole period (event_date is the UTC date
    of event_time, so a newer window's rows all sort before an older one's).
    """
    if cursor is not None:
        end = min(end, cursor[0].astimezone(dt.UTC).date())
    frames: list[pd.DataFrame] = []
    vis = person_visitors(root, person) if person else None
    for lo, hi in _newest_first(start, end):
        where, params = events_where(project, lo, hi, event, person, prop_key, prop_value, vis)
        if cursor is not None:
            where += " and (event_time < $ct or (event_time = $ct and event_id < $cid))"
            params |= {"ct": cursor[0], "cid": cursor[1]}
        frames.append(_q(_select(where, limit), params, root))
        limit -= len(frames[-1])
        if limit <= 0:
            break
    frames = [f for f in frames if not f.empty] or frames[:1]
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


@st.cache_data(ttl=TTL, show_spinner=False)
def events_export(root: str, project: str, start: dt.date, end: dt.date, event: str | None,
                  person: str | None, prop_key: str | None, prop_value: str | None,
                  limit: int = 100_000) -> pd.DataFrame:  # fmt: skip
    vis = person_visitors(root, person) if person else None
    where, params = events_where(project, start, end, event, person, prop_key, prop_value, vis)
    return _q(_select(where, limit), params, root)
