"""Admin actions without dashboard writes: who is an admin, and erasure requests sent to Dagster.

SPEC 1: the dashboard never writes the lake. An admin's erasure request is a run of the Dagster
job `erasure` (orchestration.jobs), launched through Dagster's GraphQL API; the run erases and
logs the request in meta/erasure_requests, which this page only reads. The person travels as
`sha256:<hex>` of their id: Dagster keeps run configs, and must not keep the id it erases.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

import streamlit as st

from beaconlake.settings import get_settings
from lake.erasure_log import person_subject

ERASURE_JOB = "erasure"
Role = Literal["admin", "dev"]


class DagsterUnreachable(RuntimeError):
    """Dagster did not take the request: nothing was submitted."""


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def role() -> Role | None:
    """ "admin" for the password login and listed OIDC e-mails, "dev" in dev mode (the page is
    shown disabled), None for everyone else (the page is not shown). Call after auth.gate()."""
    settings = get_settings()
    if _oidc_configured():
        email = str(st.user.get("email") or "").strip().lower() if st.user.is_logged_in else ""
        admins = {e.strip().lower() for e in settings.dashboard_admin_emails}
        return "admin" if email and email in admins else None
    if settings.dashboard_password_hash:
        return "admin" if st.session_state.get("_authed") else None
    return "dev"


def who() -> str:
    """The admin's name for the run's tags (the e-mail, or "password login")."""
    if _oidc_configured() and st.user.is_logged_in:
        return str(st.user.get("email") or "oidc user")
    return "password login"


def erasure_run_config(
    person: str | None, project: str | None, all_data: bool, vacuum_now: bool
) -> dict:
    """The `erasure` job's run config: the person as a hash, never as the id."""
    config = {
        "person_sha256": person_subject(person) if person else "",
        "project": project or "",
        "all_data": all_data,
        "vacuum_now": vacuum_now,
    }
    return {"ops": {"erase": {"config": config}}}


def _client(url: str | None = None):  # -> DagsterGraphQLClient (imported lazily: dagster is big)
    from dagster_graphql import DagsterGraphQLClient

    parts = urlsplit(url or get_settings().dagster_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DagsterUnreachable(f"BEACONLAKE_DAGSTER_URL is not an http(s) URL: {url!r}")
    return DagsterGraphQLClient(
        parts.hostname,
        port_number=parts.port,
        use_https=parts.scheme == "https",
        path_prefix=parts.path.rstrip("/"),
        timeout=30,
    )


def submit_erasure(run_config: dict, requested_by: str, url: str | None = None) -> str:
    """Launch the `erasure` job; returns the Dagster run id. DagsterUnreachable otherwise."""
    from dagster_graphql import DagsterGraphQLClientError

    target = url or get_settings().dagster_url
    try:
        return _client(target).submit_job_execution(
            ERASURE_JOB,
            run_config=run_config,
            tags={"beaconlake/requested_by": requested_by, "beaconlake/source": "dashboard"},
        )
    except DagsterGraphQLClientError as exc:
        reason = " ".join(str(exc).split())[:300]
        raise DagsterUnreachable(f"Dagster at {target} did not take the request: {reason}") from exc


def run_status(run_id: str, url: str | None = None) -> str:
    """The run's Dagster status (QUEUED, STARTED, SUCCESS, FAILURE, ...), or why it is unknown."""
    from dagster_graphql import DagsterGraphQLClientError

    try:
        return _client(url).get_run_status(run_id).value
    except (DagsterGraphQLClientError, DagsterUnreachable) as exc:
        return f"unknown ({type(exc).__name__})"
