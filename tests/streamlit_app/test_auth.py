"""Access: password login (scrypt hash from settings), dev-mode warning, refusal, passwd CLI."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from beaconlake.cli import app as cli
from beaconlake.settings import get_settings
from streamlit_app.passwords import hash_password, verify_password
from tests.streamlit_app.helpers import WEEK, metrics


@pytest.fixture
def password(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("BEACONLAKE_DASHBOARD_PASSWORD_HASH", hash_password("correct horse"))
    get_settings.cache_clear()
    return "correct horse"


def test_hash_round_trip():
    stored = hash_password("s3cret!")
    assert stored.startswith("scrypt$")
    assert "s3cret!" not in stored
    assert verify_password("s3cret!", stored)
    assert not verify_password("s3cret", stored)
    assert not verify_password("s3cret!", "scrypt$broken")
    assert hash_password("same") != hash_password("same")  # salted


def test_login_required_when_a_hash_is_set(lake, app, password):
    at = app(**WEEK)
    assert not at.metric  # no data before login
    at.text_input[0].input("wrong")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["Wrong password."]
    assert not at.metric
    at.text_input[0].input(password)
    at.button[0].click().run()
    assert metrics(at)["Sessions"] == "4"
    assert not at.warning  # no dev-mode banner once a password is configured


def test_dev_mode_warns(lake, app):
    at = app(**WEEK)
    assert any("Dev mode" in w.value for w in at.sidebar.warning)
    assert metrics(at)["Sessions"] == "4"


def test_refuses_without_password_when_login_required(lake, app, monkeypatch):
    monkeypatch.setenv("BEACONLAKE_DASHBOARD_REQUIRE_LOGIN", "true")
    get_settings.cache_clear()
    at = app(**WEEK)
    assert not at.metric
    assert "beaconlake passwd" in at.error[0].value


def test_passwd_command_prints_a_verifiable_hash():
    result = CliRunner().invoke(cli, ["passwd"], input="long enough\nlong enough\n")
    assert result.exit_code == 0, result.output
    line = result.output.strip().splitlines()[-1]
    name, value = line.split("=", 1)
    assert name == "BEACONLAKE_DASHBOARD_PASSWORD_HASH"
    assert verify_password("long enough", value.strip("'"))
    short = CliRunner().invoke(cli, ["passwd"], input="short\nshort\n")
    assert short.exit_code == 2
