"""Events explorer: newest first, filters, cursor pages, full properties, CSV/Parquet export."""

from __future__ import annotations

import json

import streamlit as st

from streamlit_app import queries, ui
from streamlit_app.export import to_csv, to_parquet

ctx = ui.context()
st.title("Events")
PAGE = 50


if ui.need_project(ctx):
    names = queries.event_names(ctx.root, ctx.project)
    c1, c2, c3, c4 = st.columns(4)
    event = c1.selectbox("Event", ["(all)", *names], key="ev_name")
    person = c2.text_input("Person, visitor or user id", key="ev_person").strip() or None
    prop_key = c3.text_input("Property key", key="ev_key").strip() or None
    prop_value = c4.text_input("Property value", key="ev_val").strip() or None
    args = (
        ctx.root,
        ctx.project,
        ctx.first_day,
        ctx.last_day,
        None if event == "(all)" else event,
        person,
        prop_key,
        prop_value,
    )
    # Cursor pagination: a stack of cursors; it resets whenever the filters change.
    if st.session_state.get("ev_args") != args:
        st.session_state["ev_args"] = args
        st.session_state["ev_cursors"] = [None]
    cursors: list = st.session_state["ev_cursors"]
    df = queries.events_page(*args, cursors[-1], PAGE)
    st.caption(f"Page {len(cursors)} · newest first · {ctx.first_day} – {ctx.last_day} (UTC)")
    if df.empty:
        st.info("No events match these filters.")
    else:
        st.dataframe(df.drop(columns=["properties"]), hide_index=True, width="stretch")
    prev_col, next_col, _ = st.columns([1, 1, 6])
    if prev_col.button("← Newer", disabled=len(cursors) == 1):
        cursors.pop()
        st.rerun()
    if next_col.button("Older →", disabled=len(df) < PAGE):
        last = df.iloc[-1]
        cursors.append((last["event_time"].to_pydatetime(), str(last["event_id"])))
        st.rerun()
    if not df.empty:
        labels = {
            r.event_id: f"{r.event_time:%Y-%m-%d %H:%M:%S} · {r.event} · {r.event_id}"
            for r in df.itertuples()
        }
        chosen = st.selectbox(
            "Open an event", list(labels), format_func=labels.__getitem__, key="ev_open"
        )
        row = df[df["event_id"] == chosen].iloc[0]
        try:
            props = json.loads(row["properties"] or "{}")
        except ValueError:
            props = row["properties"]
        st.json({"event": row["event"], "event_id": chosen, "properties": props})
    with st.expander("Export the filtered rows (up to 100,000)"):
        if st.button("Prepare export"):
            full = queries.events_export(*args)
            st.download_button("CSV", to_csv(full), "events.csv", "text/csv")
            st.download_button(
                "Parquet", to_parquet(full), "events.parquet", "application/octet-stream"
            )
