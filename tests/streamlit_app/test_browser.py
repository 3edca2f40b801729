"""One real browser: `streamlit run` on a free port, headless Debian Chromium opens the Overview,
waits for the KPI cards and saves docs/screenshot-overview.png (the README's picture)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pyarrow.compute as pc
import pytest

from tests.browser import CHROMIUM, FLAGS

REPO = Path(__file__).resolve().parents[2]


SESSIONS_CARD_IS = """want => [...document.querySelectorAll('[data-testid="stMetric"]')].some(
    m => m.querySelector('[data-testid="stMetricLabel"]').innerText.trim() == 'Sessions'
      && m.querySelector('[data-testid="stMetricValue"]').innerText.trim() == want)"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bench():
    spec = importlib.util.spec_from_file_location("bench_lake", REPO / "bench/dashboard_lake.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")
def test_overview_in_a_real_browser(lake_root: str):
    from playwright.sync_api import sync_playwright

    now = dt.datetime.now(dt.UTC)
    today = now.date()
    sessions, _ = _bench().make_gold(lake_root, sessions=3000, days=30, now=now)
    week_start = dt.datetime.combine(today - dt.timedelta(days=6), dt.time(), tzinfo=dt.UTC)
    expected = pc.sum(pc.greater_equal(sessions["started_at"], week_start)).as_py()

    port = _free_port()
    env = {**os.environ, "BEACONLAKE_LAKE_URI": lake_root, "BEACONLAKE_DASHBOARD_PASSWORD_HASH": ""}
    env.pop("BEACONLAKE_DASHBOARD_PASSWORD_HASH")
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(REPO / "streamlit_app/app.py"),
         "--server.headless=true", f"--server.port={port}", "--server.address=127.0.0.1",
         "--browser.gatherUsageStats=false", "--server.fileWatcherType=none",
         "--client.toolbarMode=viewer"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(240):
            try:
                if httpx.get(f"{base}/_stcore/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        else:
            pytest.fail("streamlit did not come up")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            requested: list[str] = []
            page.on("request", lambda r: requested.append(r.url))
            page.goto(f"{base}/?project=demo&range=7d", timeout=120_000)
            page.wait_for_function(
                "document.querySelectorAll('[data-testid=\"stMetricValue\"]').length == 6",
                timeout=120_000,
            )
            page.wait_for_selector(".vega-embed", timeout=60_000)
            page.wait_for_timeout(1500)  # let the charts draw before the picture
            cards = dict(
                zip(
                    page.locator('[data-testid="stMetricLabel"]').all_inner_texts(),
                    page.locator('[data-testid="stMetricValue"]').all_inner_texts(),
                    strict=True,
                )
            )
            assert cards["Sessions"].strip() == f"{expected:,}"
            # The world map draws country shapes served by the dashboard itself, not a CDN.
            page.locator(".js-plotly-plot").first.scroll_into_view_if_needed()
            page.wait_for_selector(".js-plotly-plot path.choroplethlocation", timeout=60_000)
            assert f"{base}/app/static/topojson/world_110m.json" in requested
            assert not [u for u in requested if "plot.ly" in u]
            # Back to the top for the README's picture: KPI cards first (Streamlit scrolls an
            # inner container, so a full-page shot would not show them after the map scroll).
            page.evaluate(
                "for (const el of document.querySelectorAll('*')) if (el.scrollTop) "
                "el.scrollTop = 0; window.scrollTo(0, 0)"
            )
            page.wait_for_timeout(500)
            page.screenshot(path=str(REPO / "docs/screenshot-overview.png"))

            # Plausible-style click: select the first Channels row → the whole page filters.
            grid = page.locator('[data-testid="stDataFrame"]').nth(1)
            grid.scroll_into_view_if_needed()
            box = grid.bounding_box()
            page.mouse.click(box["x"] + 14, box["y"] + 35 + 17)
            page.wait_for_url("**channel=**", timeout=60_000)
            channel = parse_qs(urlparse(page.url).query)["channel"][0]
            in_week = pc.greater_equal(sessions["started_at"], week_start)
            of_channel = pc.equal(sessions["channel"], channel)
            want = pc.sum(pc.and_(in_week, of_channel)).as_py()
            page.wait_for_function(
                SESSIONS_CARD_IS,
                arg=f"{want:,}",
                timeout=60_000,
            )
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert (REPO / "docs/screenshot-overview.png").stat().st_size > 20_000
