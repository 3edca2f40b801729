"""Pipeline health: freshness per layer, rows per table, rejected events, last runs."""

from __future__ import annotations

import streamlit as st

from streamlit_app import queries, ui

ctx = ui.context()
st.title("Pipeline health")

fresh = queries.freshness(ctx.root)
st.subheader("Freshness (newest event)")
for (_, row), col in zip(fresh.iterrows(), st.columns(len(fresh)), strict=True):
    age = row["age_s"]
    col.metric(
        f"{row['layer']} · {row['newest_of']}",
        "empty" if age != age else ui.fmt_duration(max(age, 0)) + " ago",  # NaN: no rows
    )
stats = queries.table_stats(ctx.root)
st.subheader("Rows per table")
st.dataframe(stats, hide_index=True, width="stretch")
if int(stats["rows"].sum()) == 0:
    ui.empty_state("events in the lake")

st.subheader("Rejected events")
rej = queries.rejected(ctx.root)
if rej.empty:
    st.caption("None: every event so far passed validation.")
else:
    st.dataframe(rej, hide_index=True, width="stretch")

st.subheader("Last pipeline runs (Delta commits)")
hist = queries.table_history(ctx.root)
if hist.empty:
    st.caption("No silver or gold table has been written yet: run `beaconlake pipeline run`.")
else:
    st.dataframe(hist, hide_index=True, width="stretch")
