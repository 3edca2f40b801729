"""`beaconlake up` end to end: the stack starts, demo traffic lands, a pipeline run fills gold,
and the dashboard's Overview (real Streamlit, real Chromium, real login) shows visitors."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.browser import CHROMIUM, FLAGS

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


class Output:
    """The stack's stdout, collected by a thread so the test can wait for a line."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.lines: list[str] = []
        threading.Thread(target=self._read, args=(proc,), daemon=True).start()

    def _read(self, proc: subprocess.Popen) -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            self.lines.append(line)

    def wait_for(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(text in line for line in self.lines):
                return
            time.sleep(0.5)
        pytest.fail(f"no {text!r} in `beaconlake up` output:\n{''.join(self.lines)[-3000:]}")


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")
def test_up_serves_demo_data_through_the_whole_stack(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    data = tmp_path / "data"
    shop = tmp_path / "shop"
    shutil.copytree(REPO / "demo/shop", shop)
    collector, dagster, dashboard = _free_ports(3)
    env = {
        **os.environ,
        "BEACONLAKE_LAKE_URI": str(data / "lake"),
        "BEACONLAKE_DUCKDB_PATH": str(data / "build/beaconlake.duckdb"),
        "BEACONLAKE_DEMO_DIR": str(shop),
    }
    up = subprocess.Popen(
        [BIN / "beaconlake", "up", "--demo-visitors", "40", "--demo-days", "3",
         "--collector-port", str(collector), "--dagster-port", str(dagster),
         "--dashboard-port", str(dashboard)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    out = Output(up)
    try:
        out.wait_for("BeaconLake is up", timeout=240)
        assert "accepted" in "".join(out.lines)  # demo traffic went through the collector
        assert "bl_pub_" in (shop / "config.js").read_text()  # the shop got the demo key
        assert httpx.get(f"http://127.0.0.1:{collector}/demo/").status_code == 200
        assert httpx.get(f"http://127.0.0.1:{dagster}/server_info").status_code == 200

        run = subprocess.run(
            [BIN / "beaconlake", "pipeline", "run"],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert run.returncode == 0, run.stdout + run.stderr

        password = (data / "dashboard_password.txt").read_text().strip()
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"http://127.0.0.1:{dashboard}/", timeout=120_000)
            page.get_by_label("Password", exact=True).fill(password)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_function(
                "document.querySelectorAll('[data-testid=\"stMetricValue\"]').length == 6",
                timeout=120_000,
            )
            cards = dict(
                zip(
                    page.locator('[data-testid="stMetricLabel"]').all_inner_texts(),
                    page.locator('[data-testid="stMetricValue"]').all_inner_texts(),
                    strict=True,
                )
            )
            browser.close()
        visitors = int(cards["Visitors"].strip().replace(",", ""))
        assert 0 < visitors <= 40, cards
    finally:
        up.send_signal(signal.SIGTERM)
        code = up.wait(timeout=60)
    assert code == 0, "".join(out.lines)[-3000:]
    for port in (collector, dagster, dashboard):  # Ctrl-C / SIGTERM stopped every service
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
