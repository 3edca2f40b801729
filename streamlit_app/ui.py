"""Shared sidebar controls, number formats and empty states for every page.

User data (paths, titles, properties, names) only ever goes into dataframes, `st.text`,
`st.code` or `st.json`, which render text; markdown strings here are our own constants.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import streamlit as st

from lake.io import lake_root
from streamlit_app import queries
from streamlit_app.filters import RANGES, Filters, dims_from_params, period

RANGE_KEYS = {"today": "Today", "7d": "Last 7 days", "30d": "Last 30 days", "custom": "Custom"}
SNIPPET = """<script defer src="http://127.0.0.1:8000/sdk/beaconlake.js"
        data-key="bl_pub_…your write key…"></script>"""


@dataclass(frozen=True)
class Context:
    """What every page needs: the lake, the project and the chosen period."""

    root: str
    project: str | None
    start: dt.datetime
    end: dt.datetime

    @property
    def first_day(self) -> dt.date:
        return self.start.date()

    @property
    def last_day(self) -> dt.date:
        return (self.end - dt.timedelta(microseconds=1)).date()

    def filters(self, with_dims: bool = True) -> Filters:
        dims = dims_from_params(st.query_params.to_dict()) if with_dims else ()
        return Filters(self.project or "", self.start, self.end, dims)


def _parse_day(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def sidebar() -> Context:
    """Project and period pickers (in the sidebar, shared by all pages, mirrored in the URL)."""
    root = lake_root()
    qp = st.query_params
    today = dt.datetime.now(dt.UTC).date()
    projects = queries.projects(root)
    project = None
    if projects:
        wanted = qp.get("project")
        index = projects.index(wanted) if wanted in projects else 0
        project = st.sidebar.selectbox("Project", projects, index=index, key="project")
        qp["project"] = project
    q_from, q_to = _parse_day(qp.get("from")), _parse_day(qp.get("to"))
    default_range = "custom" if q_from and q_to else qp.get("range", "7d")
    labels = list(RANGES)
    label = st.sidebar.selectbox(
        "Period",
        labels,
        index=labels.index(RANGE_KEYS.get(default_range, "Last 7 days")),
        key="period",
    )
    custom = None
    if label == "Custom":
        first = q_from or today - dt.timedelta(days=6)
        last = q_to or today
        picked = st.sidebar.date_input("From – to (UTC)", (first, last), key="custom_range")
        if isinstance(picked, tuple | list) and len(picked) == 2:
            custom = (picked[0], picked[1])
        else:
            custom = (first, last)
        qp["from"], qp["to"] = custom[0].isoformat(), custom[1].isoformat()
    else:
        for k in ("from", "to"):
            if k in qp:
                del qp[k]
    qp["range"] = next(k for k, v in RANGE_KEYS.items() if v == label)
    start, end = period(label, today, custom)
    return Context(root, project, start, end)


def context() -> Context:
    """The Context app.py computed for this run."""
    return st.session_state["_ctx"]


def fmt_int(v: float | None) -> str:
    return "–" if v is None else f"{int(v):,}"


def fmt_pct(v: float | None) -> str:
    return "–" if v is None else f"{v * 100:.1f}%"


def fmt_duration(v: float | None) -> str:
    if v is None:
        return "–"
    total = round(v)
    if total < 60:
        return f"{total}s"
    minutes, seconds = divmod(total, 60)
    if minutes < 60:
        return f"{minutes}m {seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def fmt_ratio(v: float | None) -> str:
    return "–" if v is None else f"{v:.2f}"


def change(cur: float | None, prev: float | None, points: bool = False) -> str | None:
    """A delta label against the previous period: relative %, or percentage points."""
    if cur is None or prev is None:
        return None
    if points:
        return f"{(cur - prev) * 100:+.1f} pp"
    if prev == 0:
        return None
    return f"{(cur - prev) / prev * 100:+.1f}%"


def empty_state(what: str) -> None:
    """Tell a new user how to get data in, instead of an empty page."""
    st.info(f"No {what} yet.")
    st.markdown(
        "**Getting started**\n\n"
        "1. Start the stack (collector, pipeline, this dashboard, a demo shop):"
    )
    st.code("make up", language="bash")
    st.markdown("2. Create a write key for your site and paste this snippet into its pages:")
    st.code("beaconlake keys create --project my-site", language="bash")
    st.code(SNIPPET, language="html")
    st.markdown("3. Or make synthetic traffic to look around, then wait for the next pipeline run:")
    st.code(
        "beaconlake demo traffic --visitors 300 --days 14\nbeaconlake pipeline run",
        language="bash",
    )


def need_project(ctx: Context) -> bool:
    """True when a project is selected; otherwise render the empty state."""
    if ctx.project is None:
        empty_state("data in the lake")
        return False
    return True
