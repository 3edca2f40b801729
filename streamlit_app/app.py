"""BeaconLake dashboard entry point: `streamlit run streamlit_app/app.py`.

Login first (see auth.py), then the shared sidebar (project, period), then the chosen page.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from streamlit_app import admin, auth, ui

HERE = Path(__file__).parent
PAGES = [
    ("overview.py", "Overview", ":material/dashboard:"),
    ("live.py", "Live", ":material/bolt:"),
    ("events.py", "Events", ":material/list:"),
    ("funnels.py", "Funnels", ":material/filter_alt:"),
    ("vitals.py", "Web vitals", ":material/speed:"),
    ("sessions.py", "Sessions", ":material/person:"),
    ("retention.py", "Retention", ":material/grid_on:"),
    ("sql.py", "SQL", ":material/terminal:"),
    ("health.py", "Pipeline health", ":material/monitor_heart:"),
]

st.set_page_config(page_title="BeaconLake", page_icon=":material/insights:", layout="wide")
if auth.gate():
    pages = [
        st.Page(str(HERE / "app_pages" / file), title=title, icon=icon, default=i == 0)
        for i, (file, title, icon) in enumerate(PAGES)
    ]
    if admin.role() is not None:  # admins; in dev mode shown disabled, with the reason
        admin_page = HERE / "app_pages" / "admin.py"
        pages.append(st.Page(str(admin_page), title="Admin", icon=":material/shield_person:"))
    nav = st.navigation(pages)
    st.session_state["_ctx"] = ui.sidebar()
    nav.run()
