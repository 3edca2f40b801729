"""Sessions: a filtered list; one session's replay and timeline; the person's other sessions."""

from __future__ import annotations

import streamlit as st

from streamlit_app import queries, replay, ui
from streamlit_app.filters import DIMENSIONS, Filters

ctx = ui.context()
st.title("Sessions")

if ui.need_project(ctx):
    base = ctx.filters()
    dims = dict(base.dims)
    cols = st.columns(4)
    person = cols[0].text_input("Person or visitor id", key="ss_person").strip() or None
    for col, dim in zip(cols[1:], ("country", "device", "channel"), strict=True):
        values = queries.breakdown(ctx.root, ctx.filters(with_dims=False), dim, 250)["value"]
        current = st.query_params.get(dim)
        options = ["(any)", *values]
        if current and current not in options:
            options.append(current)
        picked = col.selectbox(
            DIMENSIONS[dim][0],
            options,
            index=options.index(current) if current else 0,
            key=f"ss_{dim}",
        )
        if picked == "(any)":
            dims.pop(dim, None)
        else:
            dims[dim] = picked
    f = Filters(base.project, base.start, base.end, tuple(sorted(dims.items())))
    st.caption("Dimension filters chosen on the Overview (in the URL) apply here too.")
    df = queries.sessions_list(ctx.root, f, person)
    if df.empty:
        st.info("No sessions match in this period.")
    else:
        st.dataframe(df.drop(columns=["visitor_id", "ended_at"]), hide_index=True, width="stretch")
        sid = st.selectbox("Open a session", list(df["session_id"]), key="ss_open")
        row = df[df["session_id"] == sid].iloc[0]
        # Events and recording by the session's visitor too: two visitors may send one SDK
        # session_id (streamlit_app/session_ids.py).
        visitor = row["visitor_id"] if isinstance(row["visitor_id"], str) else None
        st.subheader("Timeline")
        st.text(
            f"Session {sid} · person {row['person_id']} · {row['pageviews']} page views · "
            f"{ui.fmt_duration(row['duration_s'])} · {row['channel']} · {row['country']}"
        )
        timeline = queries.session_timeline(
            ctx.root, ctx.project, sid, row["started_at"], visitor, row["ended_at"]
        )
        recorded = (
            queries.replay_events(ctx.root, ctx.project, sid, visitor) if row["has_replay"] else []
        )
        left, right = st.columns([3, 2]) if recorded else (None, st.container())
        if left is not None:
            with left:
                st.markdown("**Replay** (rage clicks red, errors orange on the timeline)")
                events = replay.with_markers(recorded, replay.markers(timeline))
                if not events:
                    st.caption("The recording has no page snapshot yet (more chunks to come).")
                elif replay.available():
                    # Our own page (player + the lake's events, escaped), never user HTML.
                    st.iframe(replay.player_html(events), height=500)
                    st.caption(f"{len(recorded)} recorded rrweb events; inputs are masked.")
                else:
                    st.warning("The replay player is not built: run `npm run build` in sdk/js.")
        with right:
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
