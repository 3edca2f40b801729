"""SQL: read-only DuckDB over the gold and silver views, with a row limit and a timeout.

Each query gets its own connection whose file access is off (only the tables' own files are
readable), so COPY, ATTACH, INSTALL and read_csv of arbitrary paths fail.
"""

from __future__ import annotations

import streamlit as st

from beaconlake.settings import get_settings
from streamlit_app import queries, ui

ctx = ui.context()
settings = get_settings()
st.title("SQL")
st.caption(
    "Views: " + ", ".join(queries.SQL_TABLES) + f". At most {settings.dashboard_sql_row_limit:,} "
    f"rows; queries stop after {settings.dashboard_sql_timeout_s:g} s. No file access."
)
default = "select channel, count(*) as sessions\nfrom sessions\ngroup by 1\norder by 2 desc"
with st.form("sql"):
    sql = st.text_area("Query", default, height=160, key="sql_text")
    run = st.form_submit_button("Run", type="primary")
if run and sql.strip():
    try:
        df, truncated = queries.run_sql(
            ctx.root, sql, settings.dashboard_sql_row_limit, settings.dashboard_sql_timeout_s
        )
    except Exception as exc:  # a user's SQL error is a message, not a crash
        st.error(f"{type(exc).__name__}: {exc}")
    else:
        st.dataframe(df, hide_index=True, width="stretch")
        st.caption(f"{len(df):,} rows" + (" (truncated at the row limit)" if truncated else ""))
