"""Admin: erasure requests (read from meta/erasure_requests) and a form that asks Dagster to run
one. The dashboard writes nothing: the `erasure` job erases and logs (see streamlit_app/admin)."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from beaconlake.settings import get_settings
from lake import erasure_log, io
from lake.registry import PROJECTS
from streamlit_app import admin

st.title("Admin: erasure")
mode = admin.role()
disabled = mode != "admin"
if mode == "dev":
    st.info(
        "Disabled in dev mode: with no login configured, anyone who reaches this port would be "
        "an admin. Set BEACONLAKE_DASHBOARD_PASSWORD_HASH (`beaconlake passwd`), or OIDC with "
        "BEACONLAKE_DASHBOARD_ADMIN_EMAILS, to erase from here. `beaconlake forget` works now."
    )
elif mode is None:
    st.error("Only admins can see this page.")
    st.stop()

st.subheader("Request an erasure")
st.caption(
    "The request runs as the Dagster job `erasure` at "
    f"{get_settings().dagster_url}, after any running pipeline batch. The person's id is sent "
    "as its sha256 hash, never as the id, and found in the lake by it."
)
kind = st.radio(
    "What", ["Forget a person", "Clear a project's data"], horizontal=True, disabled=disabled
)
projects = io.read_arrow(PROJECTS, ["project_id"]).column("project_id").to_pylist()
with st.form("erasure"):
    if kind == "Forget a person":
        subject = st.text_input("Person (user id or visitor id)", disabled=disabled)
        again = st.text_input("Type the id again to confirm", disabled=disabled)
        project = st.selectbox(
            "Only in project", ["(all projects)", *sorted(projects)], disabled=disabled
        )
        project = None if project == "(all projects)" else project
    else:
        subject = st.selectbox("Project", sorted(projects), disabled=disabled) or ""
        again = st.text_input("Type the project's name again to confirm", disabled=disabled)
        project = subject
    vacuum_now = st.checkbox(
        "Remove the old files and log statistics now (--vacuum-now)", disabled=disabled
    )
    sent = st.form_submit_button("Submit erasure request", type="primary", disabled=disabled)

if sent and not disabled:
    subject, again = subject.strip(), again.strip()
    if not subject:
        st.error("Nothing to erase: enter an id.")
    elif again != subject:
        st.error("The confirmation does not match; nothing was submitted.")
    else:
        person = subject if kind == "Forget a person" else None
        config = admin.erasure_run_config(person, project, person is None, vacuum_now)
        try:
            run_id = admin.submit_erasure(config, admin.who())
        except admin.DagsterUnreachable as exc:
            st.error(f"{exc}. Nothing was submitted; is Dagster (`beaconlake up`) running?")
        else:
            st.session_state.setdefault("_erasure_runs", []).append(run_id)
            st.success(f"Erasure queued as Dagster run {run_id}.")

runs = st.session_state.get("_erasure_runs", [])
if runs:
    st.subheader("Runs submitted in this session")
    st.dataframe(
        pd.DataFrame([{"run": r, "status": admin.run_status(r)} for r in reversed(runs)]),
        hide_index=True,
    )

st.subheader("Erasure requests")
rows = erasure_log.list_requests()
if not rows:
    st.caption("No erasure requests yet.")
else:
    table = pd.DataFrame(
        [
            {
                "requested": r["requested_at"],
                "kind": r["kind"],
                "subject": r["subject"][:19] + "…" if r["kind"] == "person" else r["subject"],
                "project": r["project_id"],
                "status": r["status"],
                "rows deleted": sum(json.loads(r["rows_deleted"] or "{}").values()),
                "completed": r["completed_at"],
                "error": r["error"],
            }
            for r in reversed(rows)
        ]
    )
    st.dataframe(table, hide_index=True)
