"""A lake that cannot be written: 503 and /readyz 503, then recovery without a restart.

Tests run as root, and chmod does not stop root; so the collector runs as `nobody` (setpriv)
against a lake it owns, and the test takes write permission away from the lake's directories.
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
import pytest

from lake.keys import create_key
from tests.conftest import CollectorProcess, launch_collector
from tests.ingest_api.helpers import event, raw_rows


def _chmod_tree(root: str, writable: bool) -> None:
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            p = os.path.join(dirpath, name)
            os.chmod(p, (0o755 if os.path.isdir(p) else 0o644) if writable else 0o555)
    os.chmod(root, 0o755 if writable else 0o555)


@pytest.fixture
def unprivileged_collector(tmp_path: Path) -> Iterator[CollectorProcess]:
    prefix: list[str] = []
    root = tempfile.mkdtemp(prefix="bl-ro-lake-")  # under /tmp: reachable for `nobody`
    os.chmod(root, 0o755)
    _, key = create_key("test", "write", root=root)
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: cannot make the lake read-only")
        nobody = pwd.getpwnam("nobody")
        subprocess.run(["chown", "-R", f"{nobody.pw_uid}:{nobody.pw_gid}", root], check=True)
        prefix = [setpriv, f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}",
                  "--clear-groups"]  # fmt: skip
    cp = launch_collector(root, key, tmp_path, env={"PYTHONDONTWRITEBYTECODE": "1"},
                          prefix=prefix)  # fmt: skip
    try:
        yield cp
    finally:
        cp.stop(signal.SIGTERM)
        _chmod_tree(root, True)
        shutil.rmtree(root, ignore_errors=True)


def _wait_ready(url: str, status: int) -> None:
    deadline = time.monotonic() + 30
    while httpx.get(f"{url}/readyz").status_code != status:
        assert time.monotonic() < deadline, f"/readyz never answered {status}"
        time.sleep(0.2)


def test_read_only_lake_answers_503_then_recovers(unprivileged_collector: CollectorProcess) -> None:
    c = unprivileged_collector
    before = event()
    r = httpx.post(f"{c.url}/v1/events", json={"api_key": c.key, "batch": [before]}, timeout=30)
    assert r.status_code == 200, r.text
    _wait_ready(c.url, 200)

    _chmod_tree(c.lake_root, writable=False)
    during = event()
    r = httpx.post(f"{c.url}/v1/events", json={"api_key": c.key, "batch": [during]}, timeout=60)
    assert r.status_code == 503
    assert r.json()["error"] == "lake_unwritable"
    _wait_ready(c.url, 503)
    assert httpx.get(f"{c.url}/readyz").json() == {"status": "lake_not_writable"}

    _chmod_tree(c.lake_root, writable=True)
    _wait_ready(c.url, 200)
    after = event()
    r = httpx.post(f"{c.url}/v1/events", json={"api_key": c.key, "batch": [after]}, timeout=30)
    assert r.json() == {"accepted": 1, "rejected": 0}
    stored = {row["event_id"] for row in raw_rows(c.lake_root)}
    assert before["event_id"] in stored and after["event_id"] in stored
    assert during["event_id"] not in stored  # answered 503, so not acknowledged
