"""Marketing channel of an event, decided once per distinct (host, referrer, UTM) combination.

Rules, first match wins (GA4's default channel grouping, simplified; Plausible's source lists):
1. paid: utm_medium cpc/ppc/paid*/sem/cpm/cpv/display/banner/retargeting, or a paid click id
   (gclid, msclkid, ...) → `paid_search` when the source or referrer is a search engine (or the
   click id is a search ad's), else `paid_other`;
2. `email`: utm_medium or utm_source email/e-mail/newsletter, or a webmail referrer;
3. `social`: utm_medium social/social-network/social-media/sm, or a social source/referrer;
4. `organic_search`: utm_medium organic, or a search-engine referrer;
5. a referrer on the page's own host (internal navigation) or no referrer and no UTM → `direct`;
6. any other referrer, or UTM tags we cannot place → `referral`.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pyarrow as pa

CHANNELS = (
    "direct",
    "organic_search",
    "paid_search",
    "social",
    "email",
    "referral",
    "paid_other",
)

_TLD = r"\.(com|net|org|me|app|social|[a-z]{2}|co\.[a-z]{2}|com\.[a-z]{2})$"
_SEARCH = re.compile(
    r"^(www\.|search\.|m\.)?(google|bing|yahoo|duckduckgo|yandex|baidu|ecosia|qwant"
    r"|startpage|naver|seznam|sogou|ask|aol|brave|kagi)" + _TLD
)
_SEARCH_SOURCES = re.compile(
    r"^(google|bing|yahoo|duckduckgo|yandex|baidu|ecosia|qwant|startpage|naver|brave)"
    r"([ _-]?ads)?$"
)
_WEBMAIL = re.compile(
    r"^(mail\.google\.com|outlook\.(live|office|office365)\.com|mail\.yahoo\.com"
    r"|mail\.proton\.me|webmail\..+|mail\..+)$"
)
_SOCIAL = re.compile(
    r"^([a-z0-9-]+\.)?(facebook|fb|instagram|twitter|x|t|linkedin|lnkd|reddit|pinterest"
    r"|tiktok|youtube|youtu|threads|mastodon|bsky|vk|weibo|snapchat|tumblr|quora)"
    + _TLD
    + r"|^news\.ycombinator\.com$"
)
_SOCIAL_SOURCES = re.compile(
    r"^(facebook|fb|instagram|ig|twitter|x|linkedin|reddit|pinterest|tiktok|youtube|threads"
    r"|mastodon|bluesky|vk|weibo|snapchat|hackernews|hn)$"
)
_PAID_MEDIUM = re.compile(r"^(cpc|ppc|paid.*|sem|cpm|cpv|display|banner|retargeting|cpa)$")
_EMAIL = re.compile(r"^(e-?mail|e_mail|newsletter.*)$")
_SOCIAL_MEDIUM = re.compile(
    r"^(social|social-network|social-media|social_media|sm|social network)$"
)


def _strip_www(host: str) -> str:
    return host[4:] if host.startswith("www.") else host


@lru_cache(maxsize=65_536)
def classify(
    host: str, referrer_host: str, utm_source: str, utm_medium: str, paid_click: bool
) -> str:
    """The channel of one combination; empty strings stand for missing values."""
    source, medium = utm_source.lower().strip(), utm_medium.lower().strip()
    ref = _strip_www(referrer_host.lower())
    search = bool(_SEARCH.match(ref)) or bool(_SEARCH_SOURCES.match(source))
    if paid_click or _PAID_MEDIUM.match(medium):
        return "paid_search" if search or paid_click else "paid_other"
    if _EMAIL.match(medium) or _EMAIL.match(source) or (ref and _WEBMAIL.match(ref)):
        return "email"
    if _SOCIAL_MEDIUM.match(medium) or _SOCIAL_SOURCES.match(source) or _SOCIAL.match(ref):
        return "social"
    if medium == "organic" or (ref and _SEARCH.match(ref)):
        return "organic_search"
    if ref and ref != _strip_www(host.lower()):
        return "referral"
    if source or medium:
        return "referral"
    return "direct"


def channel_table(keys: pa.Table) -> pa.Table:
    """`keys` (distinct _host, _ref, _src, _med, _paid) plus the `channel` of each row."""
    cols = [keys.column(n).to_pylist() for n in ("_host", "_ref", "_src", "_med", "_paid")]
    channels = [classify(*row) for row in zip(*cols, strict=True)]
    return keys.append_column("channel", pa.array(channels, pa.string()))
