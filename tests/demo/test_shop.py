"""The demo shop in real headless Chromium, served by the real collector: a purchase by hand
lands in raw_events with every page, the identify, the rage clicks and the slow hero's LCP."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from demo.config import write_config
from lake import io
from lake.registry import RAW_EVENTS
from tests.browser import CHROMIUM, FLAGS

REPO = Path(__file__).resolve().parents[2]
# The shop tests launch headless through Playwright's own switch, so --headless is not here.
ARGS = [flag for flag in FLAGS if flag != "--headless"]


def wait_for(predicate: Callable[[], bool], what: str, limit_s: float = 60) -> None:
    deadline = time.monotonic() + limit_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.1)


@pytest.fixture
def shop(start_collector, tmp_path: Path):
    """A collector serving a copy of the shop whose config.js holds the test project's key."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: install Debian's chromium (make browser)")
    if not (REPO / "sdk/js/dist/beaconlake.js").exists():
        pytest.fail("sdk/js/dist/beaconlake.js is missing: build the browser SDK (make sdk)")
    site = tmp_path / "shop"
    shutil.copytree(REPO / "demo/shop", site, ignore=shutil.ignore_patterns("config.js"))
    cp = start_collector(demo_dir=str(site))
    write_config(cp.key, site, options={"allowWebdriver": True})
    return cp


def test_a_purchase_in_the_shop_lands_in_raw_events(shop) -> None:
    from playwright.sync_api import sync_playwright

    base = f"{shop.url}/demo/"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.goto(base)
        page.wait_for_function("typeof window.beaconlake?.capture == 'function'")
        page.wait_for_function("document.querySelector('#hero').naturalWidth > 0")  # slow hero
        page.click("text=Browse the catalog")
        page.wait_for_selector("#grid .card")
        page.click("text=Lighting")  # pushState: a page view without a page load
        page.click("#grid .card >> nth=0")
        page.wait_for_selector("#name:not(:empty)")
        page.click("#add")
        page.click("text=View cart")
        page.wait_for_selector("#lines li")
        for _ in range(4):
            page.click("#coupon")  # the broken button
        page.click("#stock")
        page.wait_for_selector("#stock-msg:not(:empty)")
        page.click("text=Checkout")
        page.fill("#email", "ada@example.com")
        page.fill("#fullname", "Ada Lovelace")
        page.click("text=Continue to payment")
        page.fill("#card", "4242 4242 4242 4242")
        page.click("text=Pay now")
        page.wait_for_url("**/thanks.html*")
        page.wait_for_selector("#order:not(:empty)")
        page.goto("about:blank")  # hide the last page: page_leave and its vitals go out
        wait_for(
            lambda: any(
                r["event"] == "page_leave" and "thanks" in (r["url"] or "")
                for r in io.read_arrow(RAW_EVENTS, root=shop.lake_root).to_pylist()
            ),
            "the last page_leave",
        )
        browser.close()

    rows = io.read_arrow(RAW_EVENTS, root=shop.lake_root).to_pylist()
    assert len({r["visitor_id"] for r in rows}) == 1
    views = {r["url"].removeprefix(shop.url) for r in rows if r["event"] == "page_view"}
    for path in (
        "/demo/",
        "/demo/catalog.html",
        "/demo/catalog.html?category=lighting",
        "/demo/product/aurora-lamp.html",
        "/demo/cart.html",
        "/demo/checkout.html",
        "/demo/checkout.html?step=payment",
    ):
        assert path in views, (path, views)
    assert any(v.startswith("/demo/thanks.html?order=o_") for v in views)

    by_name: dict[str, list[dict]] = {}
    for r in rows:
        by_name.setdefault(r["event"], []).append(r)
    (purchase,) = {r["event_id"]: r for r in by_name["purchase"]}.values()
    order = json.loads(purchase["properties"])
    assert order["revenue"] == 89 and order["currency"] == "EUR"
    assert order["items"] == [{"sku": "aurora-lamp", "qty": 1}]
    identify = by_name["identify"][0]
    assert identify["user_id"] and identify["user_id"] == purchase["user_id"]
    assert json.loads(identify["properties"])["email"] == "ada@example.com"
    assert json.loads(by_name["add_to_cart"][0]["properties"])["sku"] == "aurora-lamp"
    assert by_name["rage_click"]
    assert any("discount" in json.loads(r["properties"])["message"] for r in by_name["error"])
    assert json.loads(by_name["network_error"][0]["properties"])["status"] == 404
    # The hero image arrives 2.6 s late on purpose: the home page's LCP is at least that.
    lcp = [
        json.loads(r["properties"])["value"]
        for r in by_name["web_vital"]
        if r["url"] == base and json.loads(r["properties"])["name"] == "LCP"
    ]
    assert lcp and min(lcp) >= 2600
