"""Retention: weekly cohorts by first session, share of persons back in week 1…8."""

from __future__ import annotations

import streamlit as st

from streamlit_app import queries, ui

ctx = ui.context()
st.title("Retention")
st.caption(
    "Cohorts: persons by the UTC week (Monday) of their first session, for the weeks the "
    "chosen period touches. Week n: share of the cohort with a session n weeks later."
)
if ui.need_project(ctx):
    df = queries.retention(ctx.root, ctx.project, ctx.first_day, ctx.last_day)
    if df.empty:
        st.info("No new persons in this period; pick a longer period.")
    else:
        weeks = [c for c in df.columns if c.startswith("week ")]
        st.dataframe(
            df,
            hide_index=True,
            width="stretch",
            column_config={w: st.column_config.NumberColumn(w, format="percent") for w in weeks},
        )
