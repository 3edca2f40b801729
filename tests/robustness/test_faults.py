"""Collector faults under load: the lake turns read-only, the disk fills up, SIGTERM.

In each case what was acknowledged (200) is in bronze afterwards, nothing that was never sent
is, requests in the fault window get 503 (never 500, never a hang), and the tables still open.
(`kill -9` of the pipeline is in test_pipeline_kill.py.)
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest

from lake import io
from lake.keys import create_key
from lake.registry import RAW_EVENTS
from tests.conftest import CollectorProcess, launch_collector
from tests.ingest_api.test_readonly_lake import _chmod_tree
from tests.robustness import load

RATE = 600.0  # events/s: modest, the faults are the point


def _bronze_ids(root: str) -> list[str]:
    """Every event id in bronze; also proves the table opens and every file decodes."""
    dt = io.open_table(RAW_EVENTS, root)
    assert dt is not None
    for uri in dt.file_uris():
        pq.read_table(uri.removeprefix("file://"))
    return io.read_arrow(RAW_EVENTS, ["event_id"], root=root).column("event_id").to_pylist()


def _assert_nothing_lost(ledger: load.Ledger, root: str) -> list[str]:
    stored = _bronze_ids(root)
    assert not ledger.errors, ledger.errors[:5]
    assert set(ledger.acked) <= set(stored), "acknowledged events lost"
    assert set(stored) <= ledger.attempted, "events nobody sent"
    return stored


def _wait_ready(url: str, status: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while httpx.get(f"{url}/readyz", timeout=10).status_code != status:
        assert time.monotonic() < deadline, f"/readyz never answered {status}"
        time.sleep(0.2)


def _wait_status(ledger: load.Ledger, status: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while ledger.statuses[status] == 0:
        assert time.monotonic() < deadline, f"no {status} answer: {ledger.statuses}"
        time.sleep(0.05)


# ------------------------------------------------------------------ (a) read-only lake


@pytest.fixture
def nobody_collector(tmp_path: Path) -> Iterator[CollectorProcess]:
    """A collector running as `nobody` on a lake it owns (root ignores file modes)."""
    setpriv = shutil.which("setpriv")
    if os.geteuid() == 0 and setpriv is None:
        pytest.skip("running as root without setpriv: cannot make the lake read-only")
    root = tempfile.mkdtemp(prefix="bl-robust-ro-")
    os.chmod(root, 0o755)
    _, key = create_key("test", "write", root=root)
    prefix: list[str] = []
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        subprocess.run(["chown", "-R", f"{nobody.pw_uid}:{nobody.pw_gid}", root], check=True)
        prefix = [str(setpriv), f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}",
                  "--clear-groups"]  # fmt: skip
    # One worker: here the venv's interpreter lives under /root, and `nobody` cannot start
    # uvicorn's spawned worker processes from it (exit 255 before any collector code runs).
    cp = None
    try:
        cp = launch_collector(root, key, tmp_path, workers=1,
                              env={"PYTHONDONTWRITEBYTECODE": "1"}, prefix=prefix)  # fmt: skip
        yield cp
    finally:
        if cp is not None:
            cp.stop(signal.SIGTERM)
            cp._kill_group()
        _chmod_tree(root, True)
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.timeout(300)
def test_lake_read_only_mid_load(nobody_collector: CollectorProcess) -> None:
    c, ledger = nobody_collector, load.Ledger()
    stop, give_up, senders = load.start_load(c.url, c.key, ledger, RATE, senders=4)
    try:
        load.wait_acked(ledger, 1000)
        _chmod_tree(c.lake_root, writable=False)
        _wait_status(ledger, 503)
        _wait_ready(c.url, 503)
        acked_before_recovery = len(ledger.acked)
        time.sleep(2)  # the senders keep retrying against a read-only lake
        _chmod_tree(c.lake_root, writable=True)
        _wait_ready(c.url, 200)
        load.wait_acked(ledger, acked_before_recovery + 1000)  # recovery, no restart
    finally:
        load.stop_load(stop, give_up, senders)
    assert set(ledger.statuses) <= {200, 503}, ledger.statuses
    assert '"lake_unwritable"' in ledger.bodies[503], ledger.bodies
    assert len(ledger.acked) == len(ledger.attempted)  # every retried batch got its 200
    _assert_nothing_lost(ledger, c.lake_root)
    assert c.proc.poll() is None


# ------------------------------------------------------------------ (b) disk full


@pytest.fixture
def small_disk() -> Iterator[Path]:
    """An 8 MiB tmpfs (root only); skipped, with the reason, where mounting is not allowed."""
    mnt = Path(tempfile.mkdtemp(prefix="bl-robust-tmpfs-"))
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mnt)],
                       capture_output=True, text=True, check=False)  # fmt: skip
    if p.returncode != 0:
        mnt.rmdir()
        pytest.skip(f"cannot mount a small tmpfs here: {p.stderr.strip() or p.returncode}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)
        mnt.rmdir()


def _fill(path: Path, leave_bytes: int) -> None:
    """Write a filler file until only ~leave_bytes are free on path's file system."""
    st = os.statvfs(path.parent)
    size = max(0, st.f_bavail * st.f_frsize - leave_bytes)
    with open(path, "wb") as f:
        f.write(os.urandom(size))


@pytest.mark.timeout(300)
def test_disk_full_answers_503_then_recovers(small_disk: Path, tmp_path: Path) -> None:
    root = small_disk / "lake"
    root.mkdir()
    _, key = create_key("test", "write", root=str(root))
    c = launch_collector(str(root), key, tmp_path, workers=1)
    ledger = load.Ledger()
    try:
        filler = small_disk / "filler.bin"
        _fill(filler, leave_bytes=1_500_000)
        stop, give_up, senders = load.start_load(c.url, c.key, ledger, RATE, senders=2)
        try:
            _wait_status(ledger, 503, timeout=120)  # the disk filled up
            assert c.proc.poll() is None, c.logs()[-3000:]
            assert httpx.get(f"{c.url}/healthz", timeout=10).status_code == 200
            # (/readyz may stay 200: its probe file is tiny and can still fit.)
            # Acknowledged so far is readable while the disk is still full.
            _assert_nothing_lost(ledger, str(root))
            acked_while_full = len(ledger.acked)
            filler.unlink()
            _wait_ready(c.url, 200)
            load.wait_acked(ledger, acked_while_full + 500)  # recovered without a restart
        finally:
            load.stop_load(stop, give_up, senders)
        assert set(ledger.statuses) <= {200, 503}, ledger.statuses
        assert '"lake_unwritable"' in ledger.bodies[503], ledger.bodies
        assert len(ledger.acked) == len(ledger.attempted)
        stored = _assert_nothing_lost(ledger, str(root))
        assert len(stored) >= len(ledger.acked)
        print(f"disk full: answers {dict(ledger.statuses)}, {len(ledger.acked)} acknowledged")
    finally:
        c.stop(signal.SIGTERM)
        c._kill_group()


# ------------------------------------------------------------------ (c) SIGTERM under load


@pytest.mark.timeout(300)
def test_sigterm_under_load_commits_every_acknowledged_event(start_collector) -> None:
    c, ledger = start_collector(workers=2), load.Ledger()
    stop, give_up, senders = load.start_load(c.url, c.key, ledger, RATE * 2, senders=6)
    try:
        load.wait_acked(ledger, 2000)
        rc = c.stop(signal.SIGTERM)  # the senders keep sending while it drains
    finally:
        give_up.set()  # a stopped collector will not come back
        load.stop_load(stop, give_up, senders, grace_s=0)
    assert rc == 0, c.logs()[-3000:]  # a clean exit
    assert c.logs().count('"msg":"collector_stopped"') == 2
    assert set(ledger.statuses) <= {200, 503, "ConnectError", "RemoteProtocolError",
                                    "ReadError"}, ledger.statuses  # fmt: skip
    stored = _assert_nothing_lost(ledger, c.lake_root)
    assert len(stored) == len(set(stored))  # every group commit landed once
    print(f"SIGTERM: exit {rc}, answers {dict(ledger.statuses)}, {len(ledger.acked)} acknowledged")
