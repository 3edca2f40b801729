"""Live: the last 30 minutes straight from silver (and bronze not yet enriched), every 5 s.

Only the fragment reruns, so the rest of the page does not flicker.
"""

from __future__ import annotations

import datetime as dt

import altair as alt
import streamlit as st

from streamlit_app import queries, ui

ctx = ui.context()
st.title("Live")
st.caption("Events of the last 30 minutes, refreshed every 5 seconds. Times in UTC.")


@st.fragment(run_every=5)
def live_view() -> None:
    now = dt.datetime.now(dt.UTC)
    tick = now.replace(second=now.second - now.second % 5, microsecond=0)
    summary, per_min, rows = queries.live(ctx.root, ctx.project or "", tick)
    a, b, c = st.columns(3)
    a.metric("Visitors online now", ui.fmt_int(summary["online"]))
    b.metric("Events, last 30 min", ui.fmt_int(summary["events"]))
    c.metric("Not yet enriched (bronze)", ui.fmt_int(summary["bronze"]))
    if not summary["events"]:
        st.info("No events in the last 30 minutes.")
        ui.empty_state("live events")
        return
    st.altair_chart(
        alt.Chart(per_min).mark_bar().encode(x="minute:T", y="events:Q").properties(height=160),
        width="stretch",
    )
    st.dataframe(rows, hide_index=True, width="stretch")
    st.caption(f"Updated {now:%H:%M:%S} UTC")


if ui.need_project(ctx):
    live_view()
