"""ISO 3166 alpha-2 → alpha-3 (what plotly's world map keys on), from Babel's CLDR data."""

from __future__ import annotations

from functools import cache

# CLDR also maps retired codes (Burma, Zaire, East Germany, ...) and "unknown" (ZZZ).
_RETIRED = {"BUR", "ZAR", "DDR", "FXX", "TMP", "YMD", "ZZZ"}


@cache
def _table() -> dict[str, str]:
    from babel.core import get_global

    out: dict[str, str] = {}
    for alpha3, targets in get_global("territory_aliases").items():
        if len(alpha3) == 3 and alpha3.isalpha() and len(targets) == 1 and alpha3 not in _RETIRED:
            out[targets[0]] = alpha3
    return out


def iso3(alpha2: str | None) -> str | None:
    """'DE' → 'DEU'; None for unknown or missing codes."""
    return _table().get((alpha2 or "").upper())
