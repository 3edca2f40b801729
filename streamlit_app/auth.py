"""Who may see the dashboard: OIDC via `st.login`, else a password, else dev mode.

Policy (documented in streamlit_app/README.md):
- `[auth]` in .streamlit/secrets.toml → OIDC through `st.login` (Streamlit's own flow).
- `BEACONLAKE_DASHBOARD_PASSWORD_HASH` set → a password form (scrypt hash, never the password).
- neither → open, with a visible "dev mode" warning on every page; set
  `BEACONLAKE_DASHBOARD_REQUIRE_LOGIN=true` to refuse instead (for any exposed deployment).
"""

from __future__ import annotations

import time

import streamlit as st

from beaconlake.settings import get_settings
from streamlit_app.passwords import hash_password, verify_password

__all__ = ["gate", "hash_password", "verify_password"]


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def gate() -> bool:
    """Render the login step when needed; True when this session may see data."""
    settings = get_settings()
    if _oidc_configured():
        if not st.user.is_logged_in:
            st.title("BeaconLake")
            st.button("Log in", on_click=st.login, type="primary")
            return False
        st.sidebar.button("Log out", on_click=st.logout)
        return True
    if settings.dashboard_password_hash:
        if st.session_state.get("_authed"):
            if st.sidebar.button("Log out"):
                st.session_state["_authed"] = False
                st.rerun()
            return True
        st.title("BeaconLake")
        with st.form("login"):
            password = st.text_input("Password", type="password")
            if st.form_submit_button("Log in", type="primary"):
                if verify_password(password, settings.dashboard_password_hash):
                    st.session_state["_authed"] = True
                    st.rerun()
                time.sleep(0.5)  # slows guessing a little; scrypt does the rest
                st.error("Wrong password.")
        return False
    if settings.dashboard_require_login:
        st.error(
            "No dashboard password is configured and login is required. Run `beaconlake passwd` "
            "and set BEACONLAKE_DASHBOARD_PASSWORD_HASH, or configure [auth] for OIDC."
        )
        return False
    st.sidebar.warning(
        "Dev mode: no password set, anyone who reaches this port sees the data. "
        "Run `beaconlake passwd` and set BEACONLAKE_DASHBOARD_PASSWORD_HASH."
    )
    return True
