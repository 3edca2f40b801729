"""The `erasure` job end to end: a real `dagster dev` (web server + daemon, our DAGSTER_HOME
template with its queued run coordinator) on a temp lake; the request goes in through the same
GraphQL client code the dashboard's Admin page uses; the run erases the person from bronze,
silver and gold, logs the request done, and Dagster's own storage never holds the person's id.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from lake import erasure_log, io
from lake.registry import EVENTS, RAW_EVENTS, TABLES
from orchestration.enrich.cursor import APP_ID
from orchestration.home import prepare_dagster_home
from streamlit_app import admin
from tests.conftest import REPO_ROOT, _free_port
from tests.lake import erasure_data as data
from tests.lake import lake_scan

DONE = {"SUCCESS", "FAILURE", "CANCELED"}


def _ids(table: str, column: str = "event_id") -> set[str]:
    return set(io.read_arrow(TABLES[table], [column]).column(column).to_pylist())


@pytest.fixture
def dagster(lake_root: str, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`dagster dev` on the test lake; yields (its URL, its DAGSTER_HOME)."""
    home = prepare_dagster_home(tmp_path / "dagster_home")
    port = _free_port()
    bin_dir = str(Path(sys.executable).parent)
    env = dict(
        os.environ,
        BEACONLAKE_LAKE_URI=lake_root,
        BEACONLAKE_DUCKDB_PATH=str(tmp_path / "build" / "beaconlake.duckdb"),
        DAGSTER_HOME=str(home),
        DAGSTER_DISABLE_TELEMETRY="1",
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        PATH=os.pathsep.join([bin_dir, os.environ.get("PATH", "")]),
    )
    log = open(tmp_path / "dagster.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [str(Path(bin_dir) / "dagster"), "dev", "-m", "orchestration.definitions", "-p", str(port)],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240
        while True:
            assert proc.poll() is None, (tmp_path / "dagster.log").read_text()[-3000:]
            try:
                if httpx.get(f"{url}/server_info", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "dagster dev did not come up"
            time.sleep(0.5)
        yield url, home
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        log.close()


@pytest.mark.timeout(600)
def test_dashboard_request_runs_the_erasure_job(
    lake_root: str, dagster: tuple[str, Path], tmp_path: Path
) -> None:
    data.build(lake_root)
    bronze = io.open_table(RAW_EVENTS, lake_root)
    assert bronze is not None
    # Silver is current with bronze, so the bronze sensor starts no pipeline run meanwhile.
    io.append(EVENTS, EVENTS.schema.empty_table(), app_id=APP_ID, version=bronze.version())
    url, home = dagster

    config = admin.erasure_run_config(data.PERSON, None, all_data=False, vacuum_now=True)
    assert data.PERSON not in repr(config)
    run_id = admin.submit_erasure(config, "test admin", url)
    deadline = time.monotonic() + 420
    while (status := admin.run_status(run_id, url)) not in DONE:
        assert time.monotonic() < deadline, f"run {run_id} still {status}"
        time.sleep(1)
    assert status == "SUCCESS", (tmp_path / "dagster.log").read_text()[-4000:]

    assert _ids("raw_events") == {"e5", "e6", "e7"}
    assert _ids("events") == {"e5", "e6", "e7"}
    assert _ids("replay_chunks") == {"r_e5", "r_e6", "r_e7"}
    assert _ids("sessions", "session_id") == {"s_x1", "s_q1", "s_z1"}
    assert _ids("page_views") == {"e5", "e6", "e7"}
    [request] = erasure_log.list_requests()
    assert (request["kind"], request["status"]) == ("person", "done")
    assert request["subject"] == erasure_log.person_subject(data.PERSON)
    assert lake_scan.find(lake_root, list(data.PERSON_IDS)) == {}  # vacuum_now: no file
    assert lake_scan.find(home, [data.PERSON]) == {}  # nor in Dagster's run storage and logs


def test_job_clears_a_project_in_process(
    lake_root: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from beaconlake.settings import get_settings
    from orchestration.jobs import erasure_job

    monkeypatch.setenv("BEACONLAKE_DUCKDB_PATH", str(tmp_path / "build" / "beaconlake.duckdb"))
    get_settings.cache_clear()
    data.build(lake_root)
    config = admin.erasure_run_config(None, "blog", all_data=True, vacuum_now=False)
    result = erasure_job.execute_in_process(run_config=config)
    assert result.success
    assert _ids("raw_events") == {"e1", "e2", "e3", "e4", "e5", "e6"}  # e7 was blog's
    [request] = erasure_log.list_requests()
    assert (request["kind"], request["subject"], request["status"]) == ("project", "blog", "done")


@pytest.mark.parametrize(
    "config",
    [
        {"person_sha256": "", "project": "", "all_data": False},  # nothing to erase
        {"person_sha256": "", "project": "", "all_data": True},  # all_data without a project
    ],
)
def test_job_refuses_a_request_without_a_subject(lake_root: str, config: dict) -> None:
    import dagster as dg

    from orchestration.jobs import erasure_job

    data.build(lake_root)
    with pytest.raises(dg.Failure):
        erasure_job.execute_in_process(run_config={"ops": {"erase": {"config": config}}})
    assert erasure_log.list_requests() == []
    assert len(_ids("raw_events")) == 7
