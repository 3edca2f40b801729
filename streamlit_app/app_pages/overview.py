"""Overview: KPIs with deltas, a time series and breakdowns; a clicked value filters all."""

from __future__ import annotations

import hashlib

import altair as alt
import plotly.express as px
import streamlit as st

from streamlit_app import queries, ui
from streamlit_app.countries import iso3
from streamlit_app.filters import DIMENSIONS

ctx = ui.context()
st.title("Overview")
if ui.need_project(ctx):
    f = ctx.filters()
    nonce = hashlib.sha1(repr(f).encode()).hexdigest()[:8]  # new filters → fresh selections

    if f.dims:
        for (key, value), col in zip(f.dims, st.columns(len(f.dims) + 1), strict=False):
            with col:
                st.text(f"{DIMENSIONS[key][0]} = {value}")
                if st.button(f"✕ {DIMENSIONS[key][0]}", key=f"rm_{key}"):
                    del st.query_params[key]
                    st.rerun()

    k = queries.kpis(ctx.root, f)
    cur, prev = k["cur"], k["prev"]
    cards = [
        ("Visitors", "visitors", ui.fmt_int, False, "normal"),
        ("Sessions", "sessions", ui.fmt_int, False, "normal"),
        ("Pageviews", "pageviews", ui.fmt_int, False, "normal"),
        ("Views / session", "views_per_session", ui.fmt_ratio, False, "normal"),
        ("Bounce rate", "bounce_rate", ui.fmt_pct, True, "inverse"),
        ("Avg. session duration", "avg_session_duration_s", ui.fmt_duration, False, "normal"),
    ]
    for (label, key, fmt, points, colour), col in zip(cards, st.columns(6), strict=True):
        col.metric(label, fmt(cur[key]), ui.change(cur[key], prev[key], points), delta_color=colour)
    st.caption("Deltas compare with the previous period of the same length (UTC).")

    if cur["sessions"] == 0 and cur["pageviews"] == 0:
        st.info("No sessions in this period. Pick a longer period or remove a filter.")

    series = queries.timeseries(ctx.root, f)
    long = series.melt("time", var_name="metric", value_name="count")
    chart = (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("time:T", title=None),
            y=alt.Y("count:Q", title=None),
            color=alt.Color("metric:N", title=None),
            tooltip=["time:T", "metric:N", "count:Q"],
        )
        .properties(height=260)
    )
    st.altair_chart(chart, width="stretch")

    def table(dim: str, title: str, limit: int = 50) -> None:
        """A breakdown; selecting a row adds `dim = value` to the page's filters."""
        df = queries.breakdown(ctx.root, f, dim, limit)
        st.subheader(title)
        if df.empty:
            st.caption("Nothing in this period.")
            return
        event = st.dataframe(
            df,
            hide_index=True,
            width="stretch",
            height=min(38 + 35 * len(df), 320),
            on_select="rerun",
            selection_mode="single-row",
            key=f"bd_{dim}_{nonce}",
            column_config={
                "value": st.column_config.TextColumn(DIMENSIONS[dim][0]),
                "bounce_rate": st.column_config.NumberColumn("Bounce", format="percent"),
            },
        )
        rows = event.selection.rows if event else []
        if rows:
            value = str(df.iloc[rows[0]]["value"])
            if st.query_params.get(dim) != value:
                st.query_params[dim] = value
                st.rerun()

    def card(key: str, dims: tuple[str, ...]) -> str:
        """A switch over related breakdowns; only the chosen one is queried (as Plausible)."""
        labels = {DIMENSIONS[d][0]: d for d in dims}
        first = DIMENSIONS[dims[0]][0]
        picked = st.segmented_control(
            "Breakdown", list(labels), default=first, key=key, label_visibility="collapsed"
        )
        return labels[picked or first]

    left, right = st.columns(2)
    with left:
        dim = card("card_pages", ("page", "entry_page", "exit_page"))
        table(dim, DIMENSIONS[dim][0] + "s")
    with right:
        dim = card("card_sources", ("channel", "referrer", "campaign", "source", "medium"))
        table(dim, DIMENSIONS[dim][0] + "s")
    left, right = st.columns(2)
    with left:
        dim = card("card_devices", ("browser", "os", "device"))
        table(dim, DIMENSIONS[dim][0])
    with right:
        countries = queries.breakdown(ctx.root, f, "country", limit=250)
        if not countries.empty:
            geo = countries.assign(iso3=countries["value"].map(iso3)).dropna(subset=["iso3"])
            fig = px.choropleth(
                geo,
                locations="iso3",
                color="visitors",
                hover_name="value",
                color_continuous_scale="Blues",
            )
            fig.update_layout(margin={"l": 0, "r": 0, "t": 0, "b": 0}, height=300)
            # Country shapes from our own server (make install copies them), never a CDN.
            st.plotly_chart(fig, width="stretch", config={"topojsonURL": "/app/static/topojson/"})
        table("country", "Countries", limit=250)
