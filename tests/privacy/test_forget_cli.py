"""`beaconlake forget` as a user runs it: exit codes, one-line reasons, what it prints."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from beaconlake.cli import app
from beaconlake.settings import get_settings
from lake import erasure_log, io
from lake.registry import TABLES
from tests.lake import erasure_data as data
from tests.lake import lake_scan

runner = CliRunner()


@pytest.fixture
def build_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "build" / "beaconlake.duckdb"
    data.build_duckdb(path)
    monkeypatch.setenv("BEACONLAKE_DUCKDB_PATH", str(path))
    get_settings.cache_clear()
    return path


def _event_ids() -> set[str]:
    return set(io.read_arrow(TABLES["events"], ["event_id"]).column("event_id").to_pylist())


def test_forget_person_vacuum_now_leaves_no_trace(lake_root: str, build_file: Path) -> None:
    data.build(lake_root)
    out = runner.invoke(app, ["forget", "--person", data.PERSON, "--vacuum-now"])
    assert out.exit_code == 0, out.output
    assert "silver/events: 3 rows deleted" in out.output
    assert out.output.strip().splitlines()[-1].startswith("done: request ")
    assert lake_scan.find(lake_root, list(data.PERSON_IDS)) == {}
    assert b"user_42" not in build_file.read_bytes()
    assert _event_ids() == {"e5", "e6", "e7"}
    assert erasure_log.list_requests()[0]["status"] == "done"


def test_project_all_clears_the_project(lake_root: str, build_file: Path) -> None:
    data.build(lake_root)
    out = runner.invoke(app, ["forget", "--project", "shop", "--all"])
    assert out.exit_code == 0, out.output
    assert _event_ids() == {"e7"}


def test_unknown_person_exits_zero_and_says_nothing_was_stored(
    lake_root: str, build_file: Path
) -> None:
    data.build(lake_root)
    out = runner.invoke(app, ["forget", "--person", "nobody"])
    assert out.exit_code == 0, out.output
    assert "nothing stored for this subject" in out.output
    assert len(_event_ids()) == 6


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["forget"], "give --person ID, or --project NAME --all"),
        (["forget", "--all"], "--all needs --project NAME"),
        (["forget", "--project", "shop"], "give --person ID, or --project NAME --all"),
        (["forget", "--person", "x", "--all", "--project", "shop"], "give --person ID"),
        (["forget", "--project", "nope", "--all"], "unknown project 'nope'"),
        (["forget", "--person", " "], "person id is empty"),
    ],
)
def test_bad_arguments_exit_non_zero_with_one_line_and_change_nothing(
    lake_root: str, build_file: Path, args: list[str], reason: str
) -> None:
    data.build(lake_root)
    out = runner.invoke(app, args)
    assert out.exit_code == 1
    assert out.output.strip().splitlines() == [out.output.strip()]
    assert reason in out.output
    assert len(_event_ids()) == 6


def test_forget_waits_for_a_running_pipeline_then_erases(lake_root: str, build_file: Path) -> None:
    data.build(lake_root)
    hold = "import sys\nfrom orchestration.lock import pipeline_lock\nwith pipeline_lock():\n"
    hold += "    print('held', flush=True)\n    sys.stdin.readline()\n"
    holder = subprocess.Popen(
        [sys.executable, "-c", hold], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    cli = str(Path(sys.executable).parent / "beaconlake")
    forget = subprocess.Popen(
        [cli, "forget", "--person", data.PERSON],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert forget.stderr is not None
        assert forget.stderr.readline().strip() == "waiting for the running pipeline to finish..."
        assert forget.poll() is None and len(_event_ids()) == 6  # nothing erased while it runs
    finally:
        holder.communicate("\n")
    out, _ = forget.communicate(timeout=120)
    assert forget.returncode == 0, out
    assert _event_ids() == {"e5", "e6", "e7"}
