"""Web vitals: p75 per metric coloured by rating, good/NI/poor shares, trend, worst pages."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from streamlit_app import queries, ui

ctx = ui.context()
st.title("Web vitals")
METRICS = ("LCP", "INP", "CLS", "FCP", "TTFB")
COLOURS = {"good": "green", "needs improvement": "orange", "poor": "red", "no data": "gray"}


def fmt(metric: str, v: float | None) -> str:
    if v is None or pd.isna(v):
        return "–"
    return f"{v:.3f}" if metric == "CLS" else f"{v:,.0f} ms"


if ui.need_project(ctx):
    device = st.selectbox("Device", ["all", "desktop", "mobile", "tablet"], key="wv_device")
    dev = None if device == "all" else device
    args = (ctx.root, ctx.project, ctx.first_day, ctx.last_day, dev)
    summary = queries.vitals(*args, "metric").set_index("metric")
    if summary.empty:
        st.info("No web vitals in this period. The SDK reports them when a page is hidden.")
    else:
        for metric, col in zip(METRICS, st.columns(5), strict=True):
            p75 = summary["p75"].get(metric)
            rating = queries.rating(metric, p75)
            with col:
                st.metric(f"{metric} p75", fmt(metric, p75))
                st.badge(rating, color=COLOURS[rating])
        st.caption(
            "p75 over several pages or days is the samples-weighted mean of their p75s; "
            "shares are exact."
        )
        dist = (
            summary.reset_index()
            .melt("metric", ["good_share", "needs_improvement_share", "poor_share"])
            .replace({"good_share": "good", "needs_improvement_share": "needs improvement",
                      "poor_share": "poor"})
        )  # fmt: skip
        st.altair_chart(
            alt.Chart(dist)
            .mark_bar()
            .encode(
                y="metric:N",
                x=alt.X("value:Q", stack="normalize", title="share"),
                color=alt.Color(
                    "variable:N",
                    scale=alt.Scale(
                        domain=["good", "needs improvement", "poor"],
                        range=["#0cce6b", "#ffa400", "#ff4e42"],
                    ),
                ),
            )
            .properties(height=180),
            width="stretch",
        )
        trend = queries.vitals(*args, "day")
        metric = st.selectbox("Metric", METRICS, key="wv_metric")
        st.altair_chart(
            alt.Chart(trend[trend["metric"] == metric])
            .mark_line(point=True)
            .encode(x="day:T", y=alt.Y("p75:Q", title=f"{metric} p75"))
            .properties(height=220),
            width="stretch",
        )
        pages = queries.vitals(*args, "page")
        st.subheader(f"Worst pages by {metric} p75")
        worst = pages[pages["metric"] == metric].sort_values("p75", ascending=False).head(20)
        worst = worst.assign(rating=[queries.rating(metric, v) for v in worst["p75"]])
        st.dataframe(
            worst[["path", "device_type", "p75", "samples", "rating"]],
            hide_index=True,
            width="stretch",
        )
        st.subheader("Core Web Vitals (LCP, INP, CLS at p75)")
        cwv = pages[pages["metric"].isin(["LCP", "INP", "CLS"])].pivot_table(
            index=["path", "device_type"], columns="metric", values="p75"
        )
        rows = []
        for (path, dev_type), r in cwv.iterrows():
            ratings = [queries.rating(m, r.get(m)) for m in ("LCP", "INP", "CLS")]
            status = "pass" if all(x == "good" for x in ratings) else (
                "no data" if "no data" in ratings and "poor" not in ratings else "fail"
            )  # fmt: skip
            rows.append({"path": path, "device_type": dev_type, "LCP": r.get("LCP"),
                         "INP": r.get("INP"), "CLS": r.get("CLS"), "CWV": status})  # fmt: skip
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
