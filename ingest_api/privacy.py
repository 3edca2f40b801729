"""Client addresses without keeping them: truncation, trusted proxies, salted visitor hashes.

The full IP lives only in local variables of one request; what leaves is `ip_trunc` (IPv4 /24,
IPv6 /48) and, in cookieless mode, an HMAC with a daily random salt that is deleted after 48 h.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from functools import lru_cache

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(specs: list[str]) -> list[Network]:
    return [ipaddress.ip_network(s.strip(), strict=False) for s in specs if s.strip()]


@lru_cache(maxsize=65_536)
def ip_trunc(ip: str) -> str | None:
    """203.0.113.77 → 203.0.113.0; 2001:db8:1:2::5 → 2001:db8:1::; None when not an IP."""
    try:
        addr = ipaddress.ip_address(ip.strip())
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    prefix = 24 if addr.version == 4 else 48
    return str(ipaddress.ip_network(f"{addr}/{prefix}", strict=False).network_address)


def _trusted(ip: str, trusted: list[Network]) -> bool:
    try:
        addr = ipaddress.ip_address(ip.strip())
    except ValueError:
        return False
    return any(addr in net for net in trusted)


def client_ip(peer: str | None, forwarded_for: str | None, trusted: list[Network]) -> str | None:
    """The peer address, or, when the peer is a trusted proxy, the nearest untrusted hop of
    X-Forwarded-For (read right to left: the left part is whatever the client claimed)."""
    if not peer or not forwarded_for or not trusted or not _trusted(peer, trusted):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, trusted):
            return hop
    return hops[0] if hops else peer


def visitor_hash(salt: bytes, project_id: str, ip: str | None, user_agent: str | None) -> str:
    """Cookieless visitor id: the same for one project, address and browser within a day."""
    msg = f"{project_id}\x00{ip or ''}\x00{user_agent or ''}".encode("utf-8", "surrogatepass")
    return "v_" + hmac.new(salt, msg, hashlib.sha256).hexdigest()[:32]
