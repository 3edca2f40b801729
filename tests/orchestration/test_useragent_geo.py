"""User agent → browser/OS/device/bot and ip_trunc → place, unit and through enrichment."""

from __future__ import annotations

import pytest

from orchestration.enrich import enrich
from orchestration.enrich.geo import lookup
from orchestration.enrich.useragent import parse
from tests.orchestration.bronze import CHROME, land, row, silver

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)
IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 16_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/16.0 Mobile/15E148 Safari/604.1"
)
ANDROID_TABLET = (
    "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/119.0.0.0 Safari/537.36"
)
ANDROID_PHONE = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Mobile Safari/537.36"
)
MAC_FIREFOX = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:121.0) Gecko/20100101 Firefox/121.0"
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
HEADLESS = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/120.0.0.0"
CURL = "curl/8.4.0"


@pytest.mark.parametrize(
    ("ua", "browser", "os", "device", "bot"),
    [
        (CHROME, "Chrome", "Windows", "desktop", False),
        (MAC_FIREFOX, "Firefox", "Mac OS X", "desktop", False),
        (IPHONE, "Mobile Safari", "iOS", "mobile", False),
        (IPAD, "Mobile Safari", "iOS", "tablet", False),
        (ANDROID_PHONE, "Chrome Mobile", "Android", "mobile", False),
        (ANDROID_TABLET, "Chrome", "Android", "tablet", False),
        (GOOGLEBOT, "Googlebot", None, "bot", True),
        (HEADLESS, "HeadlessChrome", "Linux", "bot", True),
        (CURL, "curl", None, "bot", True),
        ("", None, None, "other", False),
    ],
)
def test_user_agent_parse(ua: str, browser: str, os: str, device: str, bot: bool) -> None:
    got = parse(ua)
    assert (got.browser, got.os, got.device_type, got.is_bot) == (browser, os, device, bot)


def test_known_networks_resolve_to_their_country() -> None:
    assert lookup("81.2.69.0/24")[0] == "GB"
    assert lookup("8.8.8.0/24")[0] == "US"
    assert lookup("2a00:1450:4001::/48")[0] is not None
    assert lookup("10.1.2.0/24") == (None, None, None)  # private: nothing to look up
    assert lookup("not-an-ip") == (None, None, None)
    assert lookup("") == (None, None, None)


def test_enrichment_fills_device_geo_and_flags_bots(lake_root: str) -> None:
    land(
        row("e1", user_agent=IPHONE, ip_trunc="81.2.69.0/24"),
        row("e2", user_agent=GOOGLEBOT, ip_trunc="8.8.8.0/24"),
        row("e3", user_agent=None, ip_trunc=None),
    )
    enrich()
    got = silver()
    assert (got["e1"]["browser"], got["e1"]["browser_version"]) == ("Mobile Safari", "17.1")
    assert (got["e1"]["os"], got["e1"]["os_version"]) == ("iOS", "17.1")
    assert (got["e1"]["device_type"], got["e1"]["is_bot"]) == ("mobile", False)
    assert (got["e1"]["country"], got["e1"]["region"], got["e1"]["city"]) == (
        "GB",
        "England",
        "London",
    )
    # Bots stay in silver, flagged.
    assert (got["e2"]["device_type"], got["e2"]["is_bot"], got["e2"]["country"]) == (
        "bot",
        True,
        "US",
    )
    assert (got["e3"]["device_type"], got["e3"]["is_bot"], got["e3"]["country"]) == (
        "other",
        False,
        None,
    )


def test_geoip_setting_overrides_the_database(lake_root: str, monkeypatch, tmp_path) -> None:
    from beaconlake.settings import get_settings
    from orchestration.enrich.geo import db_path

    missing = tmp_path / "missing.mmdb"
    monkeypatch.setenv("BEACONLAKE_GEOIP_DB", str(missing))
    get_settings.cache_clear()
    assert db_path() == str(missing)
    with pytest.raises(FileNotFoundError):
        lookup("81.2.69.0/24", db_path())
