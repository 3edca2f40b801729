"""User agent → browser, OS, device type and bot flag, computed once per distinct string.

ua-parser (1.0 API) names browser and OS; it has no device *type*, so: bot (crawler pattern or
ua-parser's `Spider` family) → `bot`; tablets (iPad, Kindle/Silk, Android without "Mobile",
"Tablet" in the string or device) → `tablet`; "Mobi", iPhone/iPod, phones → `mobile`; a desktop
OS (Windows, macOS, Linux, Chrome OS, BSDs) → `desktop`; anything else (no UA, libraries,
TVs, consoles) → `other`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

import pyarrow as pa
import ua_parser

from orchestration.enrich.bots import is_crawler

DEVICE_TYPES = ("desktop", "mobile", "tablet", "bot", "other")
_DESKTOP_OS = re.compile(
    r"^(Windows|Mac OS X|macOS|Linux|Ubuntu|Debian|Fedora|Chrome OS|ChromeOS|FreeBSD|OpenBSD"
    r"|NetBSD|Red Hat|SUSE|Mint|Arch Linux|Gentoo)"
)
_TABLET = re.compile(r"iPad|Tablet|Kindle|Silk|PlayBook|Nexus (7|9|10)\b|SM-T\d|Tab\b")


class UA(NamedTuple):
    browser: str | None
    browser_version: str | None
    os: str | None
    os_version: str | None
    device_type: str
    is_bot: bool


def _version(part: object) -> str | None:
    major = getattr(part, "major", None)
    if not major:
        return None
    minor = getattr(part, "minor", None)
    return f"{major}.{minor}" if minor else str(major)


@lru_cache(maxsize=65_536)
def parse(user_agent: str) -> UA:
    """Everything silver needs from one user agent string ('' for none)."""
    if not user_agent:
        return UA(None, None, None, None, "other", False)
    res = ua_parser.parse(user_agent)
    ua, os_, dev = res.user_agent, res.os, res.device
    browser = ua.family if ua and ua.family != "Other" else None
    os_name = os_.family if os_ and os_.family != "Other" else None
    device = dev.family if dev else ""
    bot = device == "Spider" or is_crawler(user_agent)
    if bot:
        kind = "bot"
    elif (
        _TABLET.search(user_agent)
        or _TABLET.search(device or "")
        or (os_name == "Android" and "Mobile" not in user_agent)
    ):
        kind = "tablet"
    elif "Mobi" in user_agent or os_name in ("iOS", "Android") or device in ("iPhone", "iPod"):
        kind = "mobile"
    elif os_name and _DESKTOP_OS.match(os_name):
        kind = "desktop"
    else:
        kind = "other"
    return UA(browser, _version(ua), os_name, _version(os_), kind, bot)


UA_SCHEMA = pa.schema(
    [
        ("_ua", pa.string()),
        ("browser", pa.string()),
        ("browser_version", pa.string()),
        ("os", pa.string()),
        ("os_version", pa.string()),
        ("device_type", pa.string()),
        ("is_bot", pa.bool_()),
    ]
)


def ua_table(user_agents: list[str]) -> pa.Table:
    """One row per distinct user agent string (key `_ua`) with its parse."""
    rows = [parse(u) for u in user_agents]
    cols = [user_agents, *(list(c) for c in zip(*rows, strict=True))] if rows else [[]] * 7
    return pa.Table.from_arrays(
        [pa.array(c, f.type) for c, f in zip(cols, UA_SCHEMA, strict=True)], schema=UA_SCHEMA
    )
