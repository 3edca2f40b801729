"""The Overview's page filter (`page = /pricing`): its sessions and page views, found once.

Why (10 M-event lake, 2 M sessions, 5 M page views, 2 cores): a session has the page when one
of its page views does, a semi-join of `sessions_h` with the page's views by session hash, and
the KPI cards, the series and each sessions breakdown ran it again: ~0.15 CPU s each, five
times a view; the page views' side scanned 5 M paths three times more. Here the rows those
queries read are fetched once into Arrow, only the columns they use, for the period and the
one before (the cards' deltas):
- `sessions_f`: the filter's sessions overlapping [previous start, end);
- `page_views_f`: the filter's page views with event_time in [previous start, end).
Queries read these (thousands to a few hundred thousand rows) instead of millions.

Kept per gold version (the tables' Delta versions are in the key) and filter, the last few
only; a set over MAX_BYTES is not kept and its queries read the same SELECT as a CTE instead.
Exact visitors here are `count(distinct vh)` (a 64-bit hash of visitor_id; a collision, ~1e-9
at 100 k visitors, would merge two) rather than the snapshot's dense visitor numbers, which
belong to one snapshot and could differ from the one a later query runs on.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pyarrow as pa
import streamlit as st

from streamlit_app import db
from streamlit_app.filters import DIMENSIONS, Filters, page_view_conditions, session_conditions

TTL = 60
SV = ("sessions", "page_views")
MAX_BYTES = 48 << 20  # ~350 k sessions; 8 entries at most
_SESSION_COLS = ("started_at", "ended_at", "vh", "is_bounce", "pageviews", "duration_s",
                 *sorted({c for _, c in DIMENSIONS.values() if c}))  # fmt: skip
SOURCES = {  # name → (table, conditions, columns, time condition)
    "sessions_f": ("sessions_h s", session_conditions, _SESSION_COLS,
                   "started_at < $end and ended_at >= $pstart"),
    "page_views_f": ("page_views_h pv", page_view_conditions, ("event_time", "path", "ph"),
                     "event_time >= $pstart and event_time < $end"),
}  # fmt: skip
VISITORS = """count(distinct case when ended_at >= $start then vh end) as visitors_cur,
    count(distinct case when started_at < $start then vh end) as visitors_prev"""


def applies(f: Filters) -> bool:
    """True when a page filter is set (other filters are plain conditions in the scan)."""
    return any(DIMENSIONS[k][1] is None for k, _ in f.dims)


def _select(name: str, f: Filters) -> tuple[str, dict[str, Any]]:
    table, conditions, columns, period = SOURCES[name]
    cond, params = conditions(f)
    sql = f"select {', '.join(columns)} from {table} where {cond} and {period}"
    return sql, params | {"pstart": f.previous.start, "end": f.end}


@st.cache_resource(ttl=TTL, max_entries=8, show_spinner=False)
def _rows(
    root: str,
    versions: tuple[int, ...],
    name: str,
    project: str,
    dims: tuple[tuple[str, str], ...],
    start: dt.datetime,
    end: dt.datetime,
) -> pa.Table | None:
    """SOURCES[name] for these filters, None when too big to keep; `versions` only keys it."""
    sql, params = _select(name, Filters(project, start, end, dims))
    rows = db.query_arrow(sql, params, SV, root, hashed=True)
    return rows if rows.nbytes <= MAX_BYTES else None


def query(sql: str, params: dict[str, Any], root: str, f: Filters) -> pd.DataFrame:
    """Run sql, which reads `sessions_f` and/or `page_views_f` (see above; add a condition on
    started_at / event_time for the period alone)."""
    arrow, ctes = {}, []
    versions = db.versions(SV, root)
    for name in SOURCES:
        if name not in sql:
            continue
        rows = _rows(root, versions, name, f.project, f.dims, f.start, f.end)
        if rows is not None:
            arrow[name] = rows
        else:
            select, more = _select(name, f)
            ctes.append(f"{name} as ({select})")
            params = params | more
    if ctes:
        body = sql.lstrip()
        sql = f"with {', '.join(ctes)}" + (f", {body[5:]}" if body[:5].lower() == "with " else
                                            f" {body}")  # fmt: skip
    return db.query(sql, params, SV, root, hashed=True, arrow=arrow)
