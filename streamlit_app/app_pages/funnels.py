"""Funnels: configured funnels from gold, a breakdown on silver, and an ad-hoc builder."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from beaconlake.settings import get_settings
from streamlit_app import funnel_cache, funnel_defs, queries, ui

ctx = ui.context()
st.title("Funnels")
BREAKDOWNS = {"None": None, "Device": "device", "Channel": "channel", "Country": "country"}


def show(df: pd.DataFrame, key: str) -> None:
    """Bars per step plus the table of conversions, drop-off and median time."""
    df = df.assign(label=df["step"].astype(str) + ". " + df["step_name"].astype(str))
    colour = (
        "breakdown:N"
        if "breakdown" in df and df["breakdown"].notna().any()
        else alt.value("#4c78a8")
    )
    chart = (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X("label:N", sort=None, title=None),
            y=alt.Y("persons:Q"),
            color=colour,
            xOffset="breakdown:N" if colour != alt.value("#4c78a8") else alt.value(0),
            tooltip=["label", "persons", "conversion_from_first", "conversion_from_previous"],
        )
        .properties(height=260)
    )
    st.altair_chart(chart, width="stretch", key=f"chart_{key}")
    cols = [
        c
        for c in (
            "breakdown", "step", "step_name", "persons", "conversion_from_first",
            "conversion_from_previous", "drop_off", "median_time_from_previous_s",
        )
        if c in df
    ]  # fmt: skip
    st.dataframe(
        df[cols],
        hide_index=True,
        width="stretch",
        key=f"table_{key}",
        column_config={
            "conversion_from_first": st.column_config.NumberColumn("From first", format="percent"),
            "conversion_from_previous": st.column_config.NumberColumn(
                "From previous", format="percent"
            ),
            "median_time_from_previous_s": st.column_config.NumberColumn(
                "Median time (s)", format="%.0f"
            ),
        },
    )


if ui.need_project(ctx):
    # The breakdowns and the builder read silver's columns kept in memory: build them now, in
    # the background, so that the first click finds them (funnel_cache).
    funnel_cache.warm(ctx.root, ctx.project, ctx.first_day)
    configured = queries.funnel_steps(ctx.root, ctx.project)
    try:
        defs = {f.name: f for f in funnel_defs.load(get_settings().funnels)}
    except funnel_defs.FunnelError as e:  # the pipeline stops on it too; say where, go on
        st.error(f"The funnels file cannot be read: {e}")
        defs = {}
    st.subheader("Configured funnels")
    if configured.empty:
        st.info(
            "No funnel results in gold yet. Define funnels in dbt_project/funnels.yml "
            "(or BEACONLAKE_FUNNELS) and run `beaconlake pipeline run`."
        )
    else:
        names = list(dict.fromkeys(configured["funnel"]))
        name = st.selectbox("Funnel", names, key="fn_name")
        one = configured[configured["funnel"] == name].copy()
        one["drop_off"] = (one["persons"].shift(1) - one["persons"]).fillna(0).astype(int)
        show(one, "gold")
        by = st.selectbox("Break down by", list(BREAKDOWNS), key="fn_by")
        if BREAKDOWNS[by]:
            if name in defs:
                d = defs[name]
                st.caption(f"Computed on silver for {ctx.first_day} – {ctx.last_day}.")
                df = queries.funnel_adhoc(
                    ctx.root, ctx.project, d.steps, d.window_s, ctx.first_day, ctx.last_day,
                    BREAKDOWNS[by],
                )  # fmt: skip
                show(df, "gold_breakdown")
            else:
                st.warning("This funnel is not in the funnels file, so it cannot be broken down.")

    st.subheader("Build a funnel")
    names = queries.event_names(ctx.root, ctx.project)
    if not names:
        ui.empty_state("events")
    else:
        n = st.number_input("Steps", min_value=2, max_value=6, value=2, key="adhoc_n")
        steps = []
        for i in range(int(n)):
            a, b = st.columns(2)
            default = names.index("page_view") if "page_view" in names else 0
            event = a.selectbox(f"Step {i + 1} event", names, index=default, key=f"adhoc_e{i}")
            path = b.text_input(
                f"Step {i + 1} path (exact or glob like /product/*, optional)", key=f"adhoc_p{i}"
            )
            steps.append((event, path.strip() or None))
        a, b, c = st.columns(3)
        amount = a.number_input("Window", min_value=1, value=14, key="adhoc_w")
        unit = b.selectbox("Unit", ["d", "h", "m", "s"], key="adhoc_u")
        by = c.selectbox("Break down by", list(BREAKDOWNS), key="adhoc_by")
        window_s = funnel_defs.parse_window(f"{amount}{unit}")
        # The builder scans silver for the whole date range (seconds over millions of events):
        # it runs when asked, not on every visit to the page; after that it follows the inputs.
        if st.button("Compute funnel", key="adhoc_go"):
            st.session_state["adhoc_on"] = True
        if st.session_state.get("adhoc_on"):
            df = queries.funnel_adhoc(
                ctx.root, ctx.project, tuple(steps), window_s, ctx.first_day, ctx.last_day,
                BREAKDOWNS[by],
            )  # fmt: skip
            show(df, "adhoc")
        else:
            st.caption("Pick the steps and the window, then compute the funnel.")
