"""Fixtures shared by every package's tests: a temporary lake with settings pointed at it."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from beaconlake.settings import get_settings

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")


@pytest.fixture
def lake_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An empty lake in a temp dir; BEACONLAKE_LAKE_URI points at it for this test."""
    root = tmp_path / "lake"
    root.mkdir()
    monkeypatch.setenv("BEACONLAKE_LAKE_URI", str(root))
    get_settings.cache_clear()
    yield str(root)
    get_settings.cache_clear()


@pytest.fixture
def build_db(lake_root: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where this test's dbt build writes its DuckDB file (not created): BEACONLAKE_DUCKDB_PATH,
    next to the temp lake."""
    db = tmp_path / "build" / "b.duckdb"
    monkeypatch.setenv("BEACONLAKE_DUCKDB_PATH", str(db))
    get_settings.cache_clear()
    return db


# --- Collector: a real uvicorn subprocess against the test lake (owner: collector) ---

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass
class CollectorProcess:
    """A running `beaconlake collect`; `stop()` signals it and returns its exit code."""

    url: str  # e.g. "http://127.0.0.1:54321"
    key: str  # a write key for project "test"
    project_id: str  # "test"
    lake_root: str
    proc: subprocess.Popen
    log_path: str = ""
    _log_file: object = field(default=None, repr=False)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._kill_group()
                self.proc.wait(10)
        if sig == signal.SIGKILL:
            self._kill_group()  # workers of a killed supervisor
        return self.proc.returncode

    def _kill_group(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)

    def logs(self) -> str:
        """Everything the collector wrote to stdout/stderr so far (JSON lines)."""
        return Path(self.log_path).read_text(errors="replace") if self.log_path else ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def collector_env(lake_root: str, env: dict[str, object]) -> dict[str, str]:
    """os.environ + the lake + extra settings: `flush_interval_ms=50` → BEACONLAKE_FLUSH_...."""
    out = dict(os.environ, BEACONLAKE_LAKE_URI=lake_root, PYTHONUNBUFFERED="1")
    for k, v in env.items():
        name = k if k.isupper() else f"BEACONLAKE_{k.upper()}"
        if isinstance(v, list | dict):
            out[name] = json.dumps(v)
        elif isinstance(v, bool):
            out[name] = "true" if v else "false"
        else:
            out[name] = str(v)
    return out


def launch_collector(
    lake_root: str,
    key: str,
    log_dir: Path,
    workers: int = 1,
    env: dict[str, object] | None = None,
    prefix: list[str] | None = None,
    wait_s: float = 90,
) -> CollectorProcess:
    """Start `beaconlake collect` on a free port and wait until /healthz answers.

    A port found free can be taken (e.g. as another test's client port) before the collector
    binds it: then it starts again on another port.
    """
    for attempt in range(3):
        try:
            return _launch_collector(lake_root, key, log_dir, workers, env, prefix, wait_s)
        except PortTaken:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


class PortTaken(RuntimeError):
    """The collector could not bind the port chosen for it."""


def _launch_collector(
    lake_root: str,
    key: str,
    log_dir: Path,
    workers: int,
    env: dict[str, object] | None,
    prefix: list[str] | None,
    wait_s: float,
) -> CollectorProcess:
    port = _free_port()
    log_path = log_dir / f"collector-{port}.log"
    log_file = open(log_path, "wb")  # noqa: SIM115 - closed with the process
    cmd = [*(prefix or []), sys.executable, "-m", "ingest_api"]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    proc = subprocess.Popen(
        cmd,
        cwd=REPO_ROOT,
        env=collector_env(lake_root, env or {}),
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    cp = CollectorProcess(
        f"http://127.0.0.1:{port}", key, "test", lake_root, proc, str(log_path), log_file
    )
    deadline = time.monotonic() + wait_s
    while True:
        if proc.poll() is not None:
            log_file.close()
            logs = cp.logs()
            error = PortTaken if "address already in use" in logs else RuntimeError
            raise error(f"collector exited with {proc.returncode}:\n{logs[-4000:]}")
        try:
            if httpx.get(f"{cp.url}/healthz", timeout=2).status_code == 200:
                return cp
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            cp.stop(signal.SIGKILL)
            raise RuntimeError(f"collector did not come up:\n{cp.logs()[-4000:]}")
        time.sleep(0.1)


@pytest.fixture
def start_collector(lake_root: str, tmp_path: Path) -> Iterator[Callable[..., CollectorProcess]]:
    """start_collector(workers=1, **env) → a running collector; all are stopped at teardown."""
    from lake.keys import create_key

    started: list[CollectorProcess] = []
    key: list[str] = []

    def start(workers: int = 1, **env: object) -> CollectorProcess:
        if not key:
            key.append(create_key("test", "write", root=lake_root)[1])
        cp = launch_collector(lake_root, key[0], tmp_path, workers, env)
        started.append(cp)
        return cp

    yield start
    for cp in started:
        cp.stop(signal.SIGTERM)
        cp._kill_group()
        if cp._log_file is not None:
            cp._log_file.close()


@pytest.fixture
def collector(start_collector: Callable[..., CollectorProcess]) -> CollectorProcess:
    """One collector with default settings on the test lake."""
    return start_collector()


# --- dbt: run_dbt_build's process forked from one that imported dbt (tests/dbt_zygote.py) ---


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "fresh_dbt_process: run_dbt_build starts a new interpreter, as in production"
    )


class _SubprocessWithForkedDbt:
    """orchestration.dbt_build's `subprocess`: `run` of a dbt build goes to the zygote."""

    def __init__(self, forked: object) -> None:
        self.run = forked.run  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> object:
        return getattr(subprocess, name)


@pytest.fixture(scope="session", autouse=True)
def _forked_dbt(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every run_dbt_build of this session forks its dbt from a zygote that imported dbt once
    (~3 s of CPU saved per build); tests marked fresh_dbt_process start dbt as production does.
    """
    from orchestration import dbt_build
    from tests.dbt_zygote import ForkedDbt

    tmp = tmp_path_factory.mktemp("dbt_zygote")
    sock = str(tmp / "z.sock")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.dbt_zygote", sock],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        start_new_session=True,
    )
    assert proc.stdout is not None and proc.stdout.readline() == b"ready\n"
    forked = ForkedDbt(sock, tmp)
    mp = pytest.MonkeyPatch()
    mp.setattr(dbt_build, "subprocess", _SubprocessWithForkedDbt(forked))
    yield
    mp.undo()
    forked.quit()
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


@pytest.fixture(autouse=True)
def _fresh_dbt_process(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("fresh_dbt_process"):
        from orchestration import dbt_build

        monkeypatch.setattr(dbt_build, "subprocess", subprocess)


# --- Order: the longest files first, for `make test`'s `-n 3 --dist loadfile` ---

# Wall seconds per file in a full run (2026-12-06 20:45 UTC, 3 workers on 2 cores, load ~8).
# A worker takes the next file when it has ~2 tests left, so the longest files must start
# first, or one of them ends alone at the end while the other workers idle; xdist's own order
# (most tests first, turned off by the Makefile's --no-loadscope-reorder) put these
# one-test files last. Only the order changes: every file still runs, each on one worker.
FILE_SECONDS = {
    "beaconlake/test_up_smoke.py": 172,
    "dbt_project/test_incremental_marts.py": 163,
    "orchestration/test_manifest.py": 124,
    "robustness/test_pipeline_kill.py": 121,
    "orchestration/test_person_modes_gold.py": 118,
    "orchestration/test_build_state.py": 106,
    "streamlit_app/test_browser.py": 90,
    "orchestration/test_erasure_job.py": 75,
    "dbt_project/test_dbt_build.py": 66,
    "dbt_project/test_gold.py": 60,
    "privacy/test_erasure_pipeline.py": 59,
    "lake/test_object_store.py": 57,
    "demo/test_shop_replay.py": 55,
    "robustness/test_faults.py": 48,
    "ingest_api/test_durability.py": 42,
    "ingest_api/test_connections.py": 38,
    "orchestration/test_daily_tests.py": 36,
    "privacy/test_no_full_ip.py": 35,
    "streamlit_app/test_pages.py": 32,
    "sdk/test_python_sdk.py": 30,
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Longest files first (FILE_SECONDS); a stable sort keeps each file's own order."""

    def seconds(item: pytest.Item) -> int:
        rel = item.path.as_posix().removeprefix(f"{REPO_ROOT.as_posix()}/tests/")
        return -FILE_SECONDS.get(rel, 0)

    items.sort(key=seconds)
