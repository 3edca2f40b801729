"""Sessions: a filtered list; one session's timeline; the person and their other sessions."""

from __future__ import annotations

import streamlit as st

from streamlit_app import queries, ui

ctx = ui.context()
st.title("Sessions")

if ui.need_project(ctx):
    f = ctx.filters()
    person = st.text_input("Person or visitor id", key="ss_person").strip() or None
    st.caption("Dimension filters from the Overview (URL) apply here too.")
    df = queries.sessions_list(ctx.root, f, person)
    if df.empty:
        st.info("No sessions match in this period.")
    else:
        st.dataframe(df, hide_index=True, width="stretch")
        sid = st.selectbox("Open a session", list(df["session_id"]), key="ss_open")
        row = df[df["session_id"] == sid].iloc[0]
        st.subheader("Timeline")
        st.text(
            f"Session {sid} · person {row['person_id']} · {row['pageviews']} page views · "
            f"{ui.fmt_duration(row['duration_s'])} · {row['channel']} · {row['country']}"
        )
        timeline = queries.session_timeline(ctx.root, ctx.project, sid)
        if timeline.empty:
            st.caption("No silver events for this session.")
        else:
            st.dataframe(timeline, hide_index=True, width="stretch")
        if row["person_id"]:
            st.subheader("This person's sessions")
            st.text(f"Person {row['person_id']}")
            st.dataframe(
                queries.person_sessions(ctx.root, ctx.project, str(row["person_id"])),
                hide_index=True,
                width="stretch",
            )
