"""Revoking keys: by the key or its id; the collector then refuses it."""

from __future__ import annotations

import time

import httpx
from typer.testing import CliRunner

from beaconlake.cli import app
from lake import keys


def test_revoke_by_key_and_by_id(lake_root: str) -> None:
    _, k1 = keys.create_key("shop")
    _, k2 = keys.create_key("shop")
    assert keys.revoke_key(k1) == 1
    assert keys.revoke_key(k1) == 0  # already revoked
    assert set(keys.load_keys("write")) == {keys.hash_key(k2)}
    [live] = [r for r in keys.list_keys() if not r["revoked_at"]]
    runner = CliRunner()
    out = runner.invoke(app, ["keys", "revoke", live["key_id"]])
    assert out.exit_code == 0, out.output
    assert keys.load_keys("write") == {}
    assert runner.invoke(app, ["keys", "revoke", "bl_pub_nope"]).exit_code == 1
    listing = runner.invoke(app, ["keys", "list", "--project", "shop"]).output
    assert listing.count("shop") == 2 and "live" not in listing


def test_collector_refuses_a_revoked_key(start_collector) -> None:
    c = start_collector(BEACONLAKE_KEY_REFRESH_S="0.2")
    event = {"event": "page_view", "timestamp": "2026-11-23T10:00:00Z", "visitor_id": "v"}
    assert httpx.post(f"{c.url}/v1/events", json={**event, "api_key": c.key}).status_code == 200
    keys.revoke_key(c.key, root=c.lake_root)
    for _ in range(100):
        r = httpx.post(f"{c.url}/v1/events", json={**event, "api_key": c.key})
        if r.status_code == 401:
            break
        time.sleep(0.1)
    assert r.status_code == 401
