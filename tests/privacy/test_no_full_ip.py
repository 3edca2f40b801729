"""No full IP address anywhere: events with known client addresses go through a real collector
behind a trusted proxy and the real pipeline; then every file of the lake, dbt's build folder
(the DuckDB file, target/, logs/) and the collector's whole log are searched for them."""

from __future__ import annotations

import ipaddress
import signal
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from beaconlake.settings import get_settings
from lake import io
from lake.registry import EVENTS, RAW_EVENTS
from tests.conftest import CollectorProcess
from tests.lake import lake_scan

# (X-Forwarded-For as sent through the trusted proxy 127.0.0.1, the client address it yields)
CLIENTS = [
    ("203.0.113.77", "203.0.113.77"),
    ("198.51.100.201, 192.0.2.145", "192.0.2.145"),  # left hop: client-claimed, also never kept
    ("2001:db8:85a3:7:1:8a2e:370:7334", "2001:db8:85a3:7:1:8a2e:370:7334"),
]
FULL_IPS = ["203.0.113.77", "198.51.100.201", "192.0.2.145", "2001:db8:85a3:7:1:8a2e:370:7334"]
TRUNCATED = {"203.0.113.0", "192.0.2.0", "2001:db8:85a3::"}


def _forms(ip: str) -> list[str]:
    """The ways an address can be spelled in a file: compressed, exploded, IPv4-mapped."""
    addr = ipaddress.ip_address(ip)
    forms = {str(addr), addr.exploded}
    if addr.version == 4:
        forms.add(f"::ffff:{addr}")
    return sorted(forms)


def _post_all(c: CollectorProcess, cookieless: bool) -> None:
    for i, (xff, _) in enumerate(CLIENTS):
        ev = {
            "event_id": str(uuid.uuid4()),
            "event": "page_view",
            "timestamp": "2026-11-23T10:00:01Z",
            "session_id": f"s_{cookieless}_{i}",
            "url": "https://shop.example/",
            "visitor_id": None if cookieless else f"v_{i}",
        }
        headers = {"X-Forwarded-For": xff, "User-Agent": "Mozilla/5.0 test"}
        r = httpx.post(
            f"{c.url}/v1/events", json={"api_key": c.key, "batch": [ev]}, headers=headers
        )
        assert r.json() == {"accepted": 1, "rejected": 0}, r.text
    # An unknown key and a bad body are logged too: still no address.
    bad = {"X-Forwarded-For": CLIENTS[0][0]}
    httpx.post(f"{c.url}/v1/events", json={"api_key": "bl_pub_x", "batch": []}, headers=bad)
    httpx.post(f"{c.url}/v1/events", content=b"{", headers=bad)


@pytest.mark.timeout(600)
def test_no_full_ip_in_lake_build_files_or_logs(
    start_collector: Callable[..., CollectorProcess],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    build = tmp_path / "build"
    monkeypatch.setenv("BEACONLAKE_DUCKDB_PATH", str(build / "beaconlake.duckdb"))
    get_settings.cache_clear()
    # Two collectors on one lake: one taking the SDK's visitor ids, one cookieless (HMAC).
    plain = start_collector(trusted_proxies=["127.0.0.1"])
    hashed = start_collector(trusted_proxies=["127.0.0.1"], cookieless=True)
    _post_all(plain, cookieless=False)
    _post_all(hashed, cookieless=True)

    from orchestration.pipeline import run_pipeline

    run_pipeline(plain.lake_root)
    for c in (plain, hashed):
        assert c.stop() in (0, -signal.SIGTERM)  # stopped: its log is complete

    root = plain.lake_root
    raw = io.read_arrow(RAW_EVENTS, root=root).to_pylist()
    assert {r["ip_trunc"] for r in raw} == TRUNCATED  # the proxy's header was used, truncated
    hmac_ids = {r["visitor_id"] for r in raw if r["session_id"].startswith("s_True")}
    assert len(hmac_ids) == 3 and all(len(v) == 34 for v in hmac_ids)
    assert io.read_arrow(EVENTS, root=root).num_rows == 2 * len(CLIENTS)
    assert (build / "beaconlake.duckdb").exists()
    logs = plain.logs() + hashed.logs()
    assert '"status":401' in logs and '"status":400' in logs  # the log was written

    needles = [f for ip in FULL_IPS for f in _forms(ip)]
    assert lake_scan.find(root, needles) == {}
    assert lake_scan.find(build, needles) == {}
    assert [n for n in needles if n in logs] == []
    assert lake_scan.find(root, sorted(TRUNCATED)).keys() == TRUNCATED  # the scan sees values
