"""The browser SDK in real headless Chromium against the real collector, down to bronze rows.

The collector serves the built bundle (/sdk/beaconlake.js) and the test pages (/demo/, from
tests/sdk/pages with the test key filled in). A visitor browses two pages: SPA navigation,
clicks, a form, a rage click, an error, a rejection, a failed fetch, then closes the tab. The
second page loads the SDK from another origin (localhost), so its events travel cross-origin.
The rows in bronze raw_events must tell that story: names, stable ids, durations, web vitals.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from lake import io
from lake.registry import RAW_EVENTS
from tests.browser import CHROMIUM, FLAGS

PAGES = Path(__file__).parent / "pages"
DIST = Path(__file__).resolve().parents[2] / "sdk" / "js" / "dist"
SDK_READY = "window.beaconlake && typeof window.beaconlake.capture === 'function'"

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
    pytest.mark.skipif(
        not (DIST / "beaconlake.js").exists(), reason="sdk/js/dist is not built (npm run build)"
    ),
]


def wait_for(predicate: Callable[[], bool], what: str, limit_s: float = 60) -> None:
    """Poll until true (a readiness wait, not a timing assertion)."""
    deadline = time.monotonic() + limit_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.2)


def rows(lake_root: str) -> list[dict]:
    out = io.read_arrow(RAW_EVENTS, root=lake_root).to_pylist()
    for r in out:
        r["properties"] = json.loads(r["properties"] or "{}")
        r["context"] = json.loads(r["context"] or "{}")
    return out


def browse(base: str, landed: Callable[[], bool]) -> None:
    """What the visitor does, in Chromium, ending with closing the tab.

    The browser stays open (as a user's does after closing one tab) until `landed()`: Chromium
    sends a closing page's beacons from the browser process, after the tab is gone.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
            page.goto(f"{base}/demo/index.html?utm_source=e2e")
            page.wait_for_function(SDK_READY)
            page.click("#add")
            page.click("#plain")
            page.click("#spa")  # pushState: a page_view without a page load
            page.wait_for_url("**/demo/checkout/step-2")
            page.fill("#email", "typed-secret@example.com")
            page.click("#subscribe")
            page.wait_for_selector("text=subscribed")
            page.click("#dead", click_count=3)  # three clicks in one spot: a rage click
            page.click("#boom")
            page.click("#reject")
            page.click("#fail")
            page.wait_for_selector("text=fetched 404")
            page.click("#account")  # masked text; its #hash is an SPA navigation too
            page.click("#about")  # a real navigation: index hides, about loads
            page.wait_for_url("**/demo/about.html")
            page.wait_for_function(SDK_READY)
            page.wait_for_function(
                "document.querySelector('script[src$=\"beaconlake-vitals.js\"]') !== null"
            )
            page.close()  # the visitor closes the tab
            wait_for(landed, "the page_leave of both pages and the web vitals")
        finally:
            browser.close()


def test_a_visit_in_chromium_lands_in_bronze(
    start_collector: Callable[..., object], tmp_path: Path
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    cp = start_collector(demo_dir=str(site))
    for src in PAGES.glob("*.html"):
        html = src.read_text().replace("__BEACONLAKE_KEY__", cp.key)
        other = cp.url.replace("127.0.0.1", "localhost")
        (site / src.name).write_text(html.replace("__COLLECTOR_OTHER_ORIGIN__", other))

    def landed() -> bool:
        got = rows(cp.lake_root)
        leaves = {path(r) for r in got if r["event"] == "page_leave"}
        vitals = {(path(r), r["properties"]["name"]) for r in got if r["event"] == "web_vital"}
        return (
            "/demo/about.html" in leaves  # sent as the tab closed
            and {
                ("/demo/index.html?utm_source=e2e", "LCP"),
                ("/demo/index.html?utm_source=e2e", "INP"),
                ("/demo/about.html", "CLS"),
            }
            <= vitals
        )

    path = lambda r: r["url"].removeprefix(cp.url)  # noqa: E731
    browse(cp.url, landed)
    got = rows(cp.lake_root)
    by = lambda name: [r for r in got if r["event"] == name]  # noqa: E731

    # Every event once, all of one project, visitor and session, across both pages.
    assert len({r["event_id"] for r in got}) == len(got)
    assert {r["project_id"] for r in got} == {cp.project_id}
    assert len({r["visitor_id"] for r in got}) == 1 and got[0]["visitor_id"].startswith("v_")
    assert len({r["session_id"] for r in got}) == 1 and got[0]["session_id"].startswith("s_")
    assert all(r["sent_at"] and r["timestamp"] for r in got)
    assert {r["context"]["lib"] for r in got} == {"beaconlake-js"}
    assert {r["context"]["viewport_w"] for r in got} == {1280}

    # Page views: the load, the pushState, the hash change, the second page.
    views = sorted(by("page_view"), key=lambda r: r["timestamp"])
    assert [path(r) for r in views] == [
        "/demo/index.html?utm_source=e2e",
        "/demo/checkout/step-2",
        "/demo/checkout/step-2#account",
        "/demo/about.html",
    ]
    assert views[1]["referrer"] == f"{cp.url}/demo/index.html?utm_source=e2e"
    assert views[3]["title"] == "E2E shop about"

    # page_leave: visible time of each page view it closes, the last one sent at tab close.
    leaves = by("page_leave")
    assert all(isinstance(r["properties"]["duration_ms"], int) for r in leaves)
    assert all(r["properties"]["duration_ms"] >= 0 for r in leaves)
    view_ids = {r["event_id"]: path(r) for r in views}
    closed = {view_ids[r["properties"]["page_view_id"]] for r in leaves}
    assert {"/demo/index.html?utm_source=e2e", "/demo/about.html"} <= closed

    # Clicks: buttons and links, never the wrapper or plain text; masked text stays hidden.
    clicks = {r["properties"]["selector"]: r["properties"] for r in by("click")}
    assert clicks["button#add"]["text"] == "Add to cart"
    assert clicks["button#add"]["tag"] == "button"
    assert clicks["a#account"]["text"] is None
    assert clicks["a#about"]["href"] == f"{cp.url}/demo/about.html"
    assert not any("plain" in s or s.startswith("div#wrapper") for s in clicks)
    assert not any(s == "div#dead" for s in clicks)

    [form] = by("form_submit")
    assert form["properties"]["form_id"] == "newsletter"
    assert form["properties"]["action"] == "/demo/subscribe"
    rage = by("rage_click")
    assert [r["properties"]["selector"] for r in rage] == ["div#dead"]

    messages = " | ".join(r["properties"]["message"] for r in by("error"))
    assert "e2e boom" in messages and "e2e rejection" in messages
    [net] = by("network_error")  # never the SDK's own posts
    assert net["properties"]["url"] == f"{cp.url}/demo/missing.json"
    assert (net["properties"]["method"], net["properties"]["status"]) == ("GET", 404)
    assert net["properties"]["duration_ms"] >= 0

    # Calls made on the stub before the SDK loaded are not lost.
    [early] = by("before_sdk_loaded")
    assert early["properties"] == {"plan": "pro"}

    # Web vitals, measured by Chromium: one value per metric per page, with the library's rating.
    vitals = by("web_vital")
    per_page = Counter((path(r), r["properties"]["name"]) for r in vitals)
    assert max(per_page.values()) == 1
    index_vitals = {n for (p, n) in per_page if p.startswith("/demo/index.html")}
    assert {"LCP", "CLS", "FCP", "TTFB", "INP"} <= index_vitals
    for r in vitals:
        assert isinstance(r["properties"]["value"], int | float)
        assert r["properties"]["rating"] in {"good", "needs-improvement", "poor"}

    # Nothing typed and nothing masked reaches the lake.
    dump = json.dumps(got, default=str)
    for secret in ("typed-secret", "jane.doe@example.com", "token=secret"):
        assert secret not in dump
