"""No full IP in any table or log; trusted proxies; cookieless visitor ids."""

from __future__ import annotations

import os

import orjson
from deltalake import DeltaTable

from tests.conftest import CollectorProcess
from tests.ingest_api.helpers import event, post, raw_rows

CLIENT_V4 = "198.51.100.77"
CLIENT_V6 = "2001:db8:1:2::5"
SPOOFED = "192.0.2.99"


def _all_lake_text(root: str) -> str:
    """Every value of every Delta table under the lake, as text."""
    out = []
    for dirpath, dirnames, _ in os.walk(root):
        if "_delta_log" in dirnames:
            out.append(str(DeltaTable(dirpath).to_pyarrow_table().to_pylist()))
            dirnames.clear()
    return "\n".join(out)


def _request_lines(c: CollectorProcess) -> str:
    """The collector's own log lines (uvicorn's startup line names the bind address)."""
    return "\n".join(x for x in c.logs().splitlines() if '"logger":"beaconlake' in x)


def test_forwarded_for_only_from_trusted_proxy_and_never_stored(start_collector) -> None:
    proxied = start_collector(trusted_proxies=["127.0.0.1/32"])
    direct = start_collector()
    root = proxied.lake_root
    a, b, c = event(), event(), event()
    # Behind a trusted proxy: the nearest untrusted hop counts; the client-made left part not.
    xff = {"X-Forwarded-For": f"{SPOOFED}, {CLIENT_V4}"}
    assert post(proxied.url, {"api_key": proxied.key, "batch": [a]}, headers=xff).is_success
    v6 = {"X-Forwarded-For": CLIENT_V6}
    assert post(proxied.url, {"api_key": proxied.key, "batch": [b]}, headers=v6).is_success
    # Not a trusted proxy: X-Forwarded-For is ignored.
    assert post(direct.url, {"api_key": direct.key, "batch": [c]}, headers=xff).is_success
    ips = {r["event_id"]: r["ip_trunc"] for r in raw_rows(root)}
    assert ips == {
        a["event_id"]: "198.51.100.0",
        b["event_id"]: "2001:db8:1::",
        c["event_id"]: "127.0.0.0",
    }
    proxied.stop(), direct.stop()  # request log lines are written in blocks: flush them
    text = _all_lake_text(root) + proxied.logs() + direct.logs()
    for ip in (CLIENT_V4, CLIENT_V6, SPOOFED):
        assert ip not in text
    assert "127.0.0.1" not in _all_lake_text(root) + _request_lines(proxied) + _request_lines(
        direct
    )


def test_cookieless_visitor_ids(start_collector) -> None:
    c = start_collector(cookieless=True, trusted_proxies=["127.0.0.1/32"])

    def send(ip: str, ua: str) -> str:
        ev = event(visitor_id="client-cookie-id")
        headers = {"X-Forwarded-For": ip, "User-Agent": ua}
        assert post(c.url, {"api_key": c.key, "batch": [ev]}, headers=headers).is_success
        [row] = [r for r in raw_rows(c.lake_root) if r["event_id"] == ev["event_id"]]
        return row["visitor_id"]

    v1 = send(CLIENT_V4, "Firefox/1")
    assert v1.startswith("v_") and v1 != "client-cookie-id"
    assert send(CLIENT_V4, "Firefox/1") == v1  # same address + browser, same day
    assert send(CLIENT_V4, "Chrome/2") != v1
    assert send("198.51.100.78", "Firefox/1") != v1  # same /24, different visitor
    # The day's salt is in the lake (shared by workers), the IP is not.
    c.stop()
    assert CLIENT_V4 not in _all_lake_text(c.lake_root) + c.logs()


def test_event_without_visitor_gets_derived_one(collector: CollectorProcess) -> None:
    ev = event()
    del ev["visitor_id"]
    assert post(collector.url, {"api_key": collector.key, "batch": [ev]}).is_success
    [row] = raw_rows(collector.lake_root)
    assert row["visitor_id"].startswith("v_")


def test_logs_are_json_lines_without_keys(collector: CollectorProcess) -> None:
    post(collector.url, {"api_key": collector.key, "batch": [event()]})
    post(collector.url, {"api_key": "bl_pub_wrong", "batch": [event()]})
    collector.stop()  # request log lines are written in blocks: flush them
    lines = [orjson.loads(x) for x in collector.logs().splitlines() if x.strip()]
    reqs = [x for x in lines if x["msg"] == "request"]
    assert [x["status"] for x in reqs] == [200, 401]
    assert reqs[0]["project"] == "test" and reqs[0]["accepted"] == 1
    assert collector.key not in collector.logs() and "bl_pub_wrong" not in collector.logs()
    assert "127.0.0.1" not in _request_lines(collector)
