"""The Admin page: only admins see it, dev mode shows it disabled, an erasure needs the id typed
twice, and when Dagster cannot be reached the admin is told and nothing is written."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from beaconlake.settings import get_settings
from lake import erasure_log, io
from lake.registry import ERASURE_REQUESTS, RAW_EVENTS
from streamlit_app.passwords import hash_password
from tests.streamlit_app.conftest import APP
from tests.streamlit_app.helpers import WEEK, frame_values

ADMIN_PAGE = "app_pages/admin.py"


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"  # nothing listens once closed


@pytest.fixture
def password(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("BEACONLAKE_DASHBOARD_PASSWORD_HASH", hash_password("correct horse"))
    monkeypatch.setenv("BEACONLAKE_DAGSTER_URL", _closed_port_url())
    get_settings.cache_clear()
    return "correct horse"


def _admin_in_nav(at: AppTest) -> bool:
    """Whether st.navigation registered the Admin page (AppTest refuses unregistered pages)."""
    try:
        at.switch_page(ADMIN_PAGE)
    except ValueError:
        return False
    return True


def _logged_in(app, password: str) -> AppTest:
    at = app(**WEEK)
    at.text_input[0].input(password)
    at.button[0].click().run()
    return at


def _version(table) -> int:
    dt = io.open_table(table)
    return -1 if dt is None else dt.version()


def test_dev_mode_shows_the_page_disabled_with_the_reason(lake: str, app) -> None:
    at = app(**WEEK)
    assert _admin_in_nav(at)
    at.run()
    assert any("Disabled in dev mode" in i.value for i in at.info)
    assert at.button(key="FormSubmitter:erasure-Submit erasure request").disabled
    assert all(t.disabled for t in at.text_input)


def test_password_admin_sees_requests_and_confirmation_is_required(
    lake: str, app, password: str
) -> None:
    done = erasure_log.open_request("person", erasure_log.person_subject("someone"))
    erasure_log.close_request(done, "done", {"bronze/raw_events": 3})
    at = _logged_in(app, password)
    assert _admin_in_nav(at)
    at.run()
    assert not at.info and not at.error
    assert "done" in frame_values(at) and "3" in frame_values(at)
    assert "someone" not in " ".join(frame_values(at))  # the log holds a hash only

    before = (_version(ERASURE_REQUESTS), _version(RAW_EVENTS))
    at.text_input[0].input("user_42")
    at.text_input[1].input("user_24")
    at.button(key="FormSubmitter:erasure-Submit erasure request").click().run()
    assert [e.value for e in at.error] == [
        "The confirmation does not match; nothing was submitted."
    ]
    assert (_version(ERASURE_REQUESTS), _version(RAW_EVENTS)) == before


def test_unreachable_dagster_is_a_clear_error_and_nothing_is_written(
    lake: str, app, password: str
) -> None:
    at = _logged_in(app, password)
    assert _admin_in_nav(at)
    at.run()
    before = (_version(ERASURE_REQUESTS), _version(RAW_EVENTS))
    at.text_input[0].input("user_42")
    at.text_input[1].input("user_42")
    at.button(key="FormSubmitter:erasure-Submit erasure request").click().run()
    [error] = at.error
    assert "did not take the request" in error.value
    assert get_settings().dagster_url in error.value
    assert "Nothing was submitted" in error.value
    assert not at.success
    assert (_version(ERASURE_REQUESTS), _version(RAW_EVENTS)) == before


@pytest.mark.parametrize(("email", "visible"), [("Boss@Example.com", True), ("eve@x.org", False)])
def test_oidc_users_see_the_page_only_when_listed(
    lake: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, email: str, visible: bool
) -> None:
    monkeypatch.setenv("BEACONLAKE_DASHBOARD_ADMIN_EMAILS", '["boss@example.com"]')
    get_settings.cache_clear()
    secrets = tmp_path / ".streamlit" / "secrets.toml"
    secrets.parent.mkdir()
    secrets.write_text(
        '[auth]\nredirect_uri = "http://localhost:8501/oauth2callback"\n'
        'cookie_secret = "x"\nclient_id = "id"\nclient_secret = "s"\n'
        'server_metadata_url = "https://idp.example/.well-known/openid-configuration"\n'
    )
    monkeypatch.chdir(tmp_path)  # Streamlit reads ./.streamlit/secrets.toml
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.user = {"is_logged_in": True, "email": email}
    at.query_params.update(WEEK)
    at.run()
    assert _admin_in_nav(at) is visible
