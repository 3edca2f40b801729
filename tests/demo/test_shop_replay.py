"""Session replay end to end in real headless Chromium: a visitor browses the demo shop with
replay on, types into two inputs, sees a `data-bl-mask` and a `data-bl-block` element,
rage-clicks the broken coupon button and moves on; the pipeline runs; the lake holds the
session's chunks in order with the typed text masked everywhere; gold marks the session
has_replay; and rrweb-player, fed the page the dashboard builds from those chunks
(streamlit_app.replay.player_html, loaded straight into Chromium), reports every event loaded;
then `streamlit run` serves the dashboard and its Sessions page plays the same session."""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import socket
import string
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from beaconlake.settings import get_settings
from demo.config import write_config
from lake import io
from lake.registry import RAW_EVENTS, REJECTED_EVENTS, REPLAY_CHUNKS, TABLES
from lake.replay_codec import decode_chunks
from tests.demo.test_shop import ARGS, CHROMIUM, REPO, wait_for

# A desktop Chrome user agent for every request, beacons at page hide included (a per-page
# override misses those): HeadlessChrome is flagged a bot, and marts skip bots.
DESKTOP_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
SECRET_CODE = "QUOKKA-SECRET-7731"
BIG = "".join(random.Random(7).choices(string.ascii_letters + string.digits, k=300_000))
SECRET_ADDRESS = "Zanzibar Lane 1789"


@pytest.fixture
def shop(start_collector, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A collector serving the shop with replay switched on (data-replay="true")."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: install Debian's chromium (make browser)")
    if not (REPO / "sdk/js/dist/beaconlake-replay.js").exists():
        pytest.fail("sdk/js/dist/beaconlake-replay.js is missing: build the SDK (npm run build)")
    monkeypatch.setenv("BEACONLAKE_DUCKDB_PATH", str(tmp_path / "build" / "bl.duckdb"))
    get_settings.cache_clear()
    site = tmp_path / "shop"
    shutil.copytree(REPO / "demo/shop", site, ignore=shutil.ignore_patterns("config.js"))
    cp = start_collector(demo_dir=str(site))
    write_config(cp.key, site, options={"allowWebdriver": True, "replay": True})
    return cp


def _raw(root: str) -> list[dict]:
    return io.read_arrow(RAW_EVENTS, root=root).to_pylist()


def _left(root: str, page: str) -> bool:
    return any(r["event"] == "page_leave" and page in (r["url"] or "") for r in _raw(root))


@pytest.mark.timeout(600)
def test_a_recorded_shop_visit_replays_from_the_lake_with_inputs_masked(shop) -> None:
    from playwright.sync_api import sync_playwright

    root = shop.lake_root
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", *ARGS, f"--user-agent={DESKTOP_UA}"]
        )
        page = browser.new_page()
        page.goto(f"{shop.url}/demo/")
        page.wait_for_function("typeof window.beaconlake?.capture == 'function'")
        page.wait_for_function("!!document.querySelector('script[src$=\"beaconlake-replay.js\"]')")
        page.click("text=Browse the catalog")
        page.wait_for_selector("#grid .card")
        page.click("#grid .card >> nth=0")
        page.wait_for_selector("#name:not(:empty)")
        page.click("#add")
        page.click("text=View cart")
        page.wait_for_selector("#lines li")
        # 300 KB of random text: its chunk compresses to far over one replay event's 40,000
        # characters, so it travels cut into parts and must come back whole.
        page.evaluate("t => document.body.insertAdjacentHTML('beforeend', '<p>' + t + '</p>')", BIG)
        page.evaluate(
            "document.body.insertAdjacentHTML('beforeend', '<p data-bl-mask>' + 'Masked Pelican'"
            " + '</p><div data-bl-block><b>Blocked Walrus</b></div>')"
        )
        page.type("#code", SECRET_CODE)
        for _ in range(4):
            page.click("#coupon")  # the broken button: a rage click and an error
        # A 5-second flush on the cart page (gzip chunks), before moving on.
        wait_for(
            lambda: any(r["event"] == "replay" and "cart" in r["url"] for r in _raw(root)),
            "a replay chunk from the cart page",
        )
        page.click("text=Checkout")
        page.wait_for_selector("#address")
        page.type("#address", SECRET_ADDRESS)
        page.goto("about:blank")  # page hide: the last chunk goes out with the page_leave
        wait_for(lambda: _left(root, "checkout"), "the checkout page's page_leave")

        from orchestration.pipeline import run_pipeline

        run_pipeline(root)

        # Silver: the session's chunks, one row per event_id, in order.
        raw_replays = [r for r in _raw(root) if r["event"] == "replay"]
        if io.open_table(REJECTED_EVENTS, root) is not None:  # none refused (size, depth, …)
            refused = io.read_arrow(REJECTED_EVENTS, root=root).to_pylist()
            assert not [r for r in refused if '"replay"' in json.dumps(r, default=str)]
        rows = io.read_arrow(REPLAY_CHUNKS, root=root).to_pylist()
        assert len(rows) == len({r["event_id"] for r in raw_replays}) >= 3
        (sid,) = {r["session_id"] for r in rows}
        assert sid == next(r["session_id"] for r in _raw(root) if r["event"] == "page_view")
        rows.sort(key=lambda r: r["seq"])
        assert len({r["seq"] for r in rows}) == len(rows)
        firsts = [r["first_ts"] for r in rows]
        assert firsts == sorted(firsts) and all(r["last_ts"] >= r["first_ts"] for r in rows)
        encs = {json.loads(r["payload"])["enc"] for r in rows}
        assert "gzip-base64" in encs  # the timed flushes are compressed

        # Decoded: full snapshots of each page, the typing recorded but masked.
        events = decode_chunks(rows)
        assert sum(r["event_count"] for r in rows) == len(events)
        assert sum(1 for e in events if e["type"] == 2) >= 3  # home, catalog…, cart, checkout
        text = json.dumps(events)
        for secret in (SECRET_CODE, SECRET_ADDRESS, "Masked Pelican", "Blocked Walrus"):
            assert secret not in text and secret.lower() not in text.lower()
        cut = [json.loads(r["payload"]) for r in rows if json.loads(r["payload"]).get("parts")]
        assert len(cut) >= 4 and all(len(c["data"]) <= 40_000 for c in cut)
        assert BIG in text  # the cut chunk, joined again: nothing dropped
        typed = [e["data"]["text"] for e in events if e["type"] == 3 and e["data"]["source"] == 5]
        assert "*" * len(SECRET_CODE) in typed and "*" * len(SECRET_ADDRESS) in typed
        assert "*" * len("Masked Pelican") in text and "rr_width" in text  # masked, blocked

        # Nowhere in the lake: not in any table's rows, nor in any file's bytes.
        for name, table in TABLES.items():
            if io.open_table(table, root) is not None:
                dump = json.dumps(io.read_arrow(table, root=root).to_pylist(), default=str)
                assert SECRET_CODE not in dump and SECRET_ADDRESS not in dump, name
        for f in Path(root).rglob("*"):
            if f.is_file():
                data = f.read_bytes()
                assert SECRET_CODE.encode() not in data and SECRET_ADDRESS.encode() not in data, f

        # Gold: the session has a replay.
        sessions = io.read_arrow(TABLES["sessions"], root=root).to_pylist()
        (mine,) = [s for s in sessions if s["session_id"] == sid]
        assert mine["has_replay"] is True and mine["pageviews"] >= 5

        # The player page the dashboard builds, with the rage click and error marked.
        from streamlit_app import queries, replay

        project = rows[0]["project_id"]
        assert queries.replay_events(root, project, sid) == events  # the dashboard's own read
        marks = replay.markers(queries.session_timeline(root, project, sid))
        assert {m["data"]["tag"] for m in marks} >= {"rage_click", "error"}
        played = replay.with_markers(events, marks)
        page.set_content(replay.player_html(played))
        page.wait_for_function("document.body.dataset.events || document.body.dataset.error")
        assert page.evaluate("document.body.dataset.error") is None
        assert int(page.evaluate("document.body.dataset.events")) == len(played)
        assert len(played) > len(events)  # the markers fell inside the recording
        assert page.locator(".rr-player .replayer-wrapper iframe").count() == 1
        assert int(page.evaluate("document.body.dataset.duration")) > 0

        # The dashboard itself: `streamlit run`, Sessions page, the session opened by default.
        with _dashboard(root) as base:
            page.goto(f"{base}/sessions?project={project}&range=7d", timeout=120_000)
            frame = _player_frame(page)
            assert frame.evaluate("document.body.dataset.error") is None
            assert int(frame.evaluate("document.body.dataset.events")) == len(played)
            assert page.get_by_text(f"{len(events)} recorded rrweb events").count() == 1
        browser.close()


@contextlib.contextmanager
def _dashboard(root: str) -> Iterator[str]:
    """`streamlit run` on the lake (no login, as in development) on a free port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "BEACONLAKE_LAKE_URI": root}
    env.pop("BEACONLAKE_DASHBOARD_PASSWORD_HASH", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(REPO / "streamlit_app/app.py"),
         "--server.headless=true", f"--server.port={port}", "--server.address=127.0.0.1",
         "--browser.gatherUsageStats=false", "--server.fileWatcherType=none"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"

        def up() -> bool:
            try:
                return httpx.get(f"{base}/_stcore/health", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(up, "streamlit to come up", 120)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def _player_frame(page):
    """The components.html iframe holding rrweb-player, once its replayer has loaded."""
    script = "document.body && (document.body.dataset.events || document.body.dataset.error)"
    for _ in range(240):
        for f in page.frames:
            try:
                if f is not page.main_frame and f.evaluate(script):
                    return f
            except Exception:  # a frame navigating away while we look
                continue
        page.wait_for_timeout(500)  # not time.sleep: playwright learns of new frames meanwhile
    raise AssertionError("gave up waiting for the replay player in the Sessions page")
