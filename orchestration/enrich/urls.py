"""URL, query, UTM and referrer parsing as DuckDB SQL (one pass over the batch).

The split is RFC 3986's generic regex, so absolute and relative URLs both parse. `host` is
lower-cased without user info or port; `referrer_host` also drops a leading `www.` (Plausible's
habit, so `www.google.com` and `google.com` are one source). Paths and queries stay as sent
(percent-encoded); UTM values are percent-decoded with `+` as a space.
"""

from __future__ import annotations

URL_RX = r"^(?:[A-Za-z][A-Za-z0-9+.\-]*:)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?"
UTM_FIELDS = ("source", "medium", "campaign", "term", "content")
PAID_CLICK_IDS = ("gclid", "gbraid", "wbraid", "msclkid", "dclid")


def _host(part: str) -> str:
    return f"nullif(lower(regexp_replace(regexp_replace({part}, '^.*@', ''), ':[0-9]*$', '')), '')"


def split_columns(url: str = "url", referrer: str = "referrer") -> str:
    """SQL select items `_u` and `_r`: structs {h, p, q} of the URL and the referrer."""
    return (
        f"regexp_extract({url}, '{URL_RX}', ['h', 'p', 'q']) as _u, "
        f"regexp_extract({referrer}, '{URL_RX}', ['h', 'p', 'q']) as _r"
    )


def param(query: str, name: str) -> str:
    """SQL: the decoded value of query parameter `name`, NULL when absent or empty."""
    raw = f"regexp_extract({query}, '(?:^|&){name}=([^&]*)', 1)"
    return f"nullif(url_decode(replace({raw}, '+', ' ')), '')"


def parsed_columns() -> str:
    """SQL select items host, path, query, utm_*, referrer_host, _paid_click from `_u`, `_r`."""
    q = "nullif(_u.q, '')"
    items = [
        f"{_host('_u.h')} as host",
        "case when url is null then null when _u.p = '' then '/' else _u.p end as path",
        f"{q} as query",
    ]
    items += [f"{param(q, 'utm_' + f)} as utm_{f}" for f in UTM_FIELDS]
    ref = f"regexp_replace({_host('_r.h')}, '^www\\.', '')"
    items.append(
        f"case when referrer is null or referrer = '' then null else {ref} end as referrer_host"
    )
    ids = "|".join(PAID_CLICK_IDS)
    items.append(f"coalesce(regexp_matches({q}, '(?:^|&)({ids})='), false) as _paid_click")
    return ", ".join(items)
