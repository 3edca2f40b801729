"""The README tells the truth: its two commands, its settings table and its command list."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from beaconlake.cli import app
from beaconlake.settings_doc import render_into

README = Path(__file__).resolve().parents[2] / "README.md"


def test_first_screen_gives_the_two_commands() -> None:
    first_screen = "\n".join(README.read_text().splitlines()[:20])
    assert "make up" in first_screen and "make test" in first_screen


def test_settings_table_is_current() -> None:
    text = README.read_text()
    assert render_into(text) == text, "run: python -m beaconlake.settings_doc"


def test_every_documented_command_exists() -> None:
    runner = CliRunner()
    for argv in (
        ["up"],
        ["collect"],
        ["keys", "create"],
        ["pipeline", "run"],
        ["demo", "traffic"],
        ["forget"],
        ["passwd"],
    ):
        result = runner.invoke(app, [*argv, "--help"])
        assert result.exit_code == 0, (argv, result.output)
