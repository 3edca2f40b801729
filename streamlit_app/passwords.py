"""The dashboard password's stored form: `scrypt$n$r$p$salt_hex$hash_hex` (stdlib only).

scrypt is memory-hard, so a leaked hash is slow to brute-force; the salt makes equal
passwords hash differently. Make one with `beaconlake passwd` or `hash_password()`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

N, R, P, DKLEN = 2**14, 8, 1, 32


def hash_password(password: str) -> str:
    """A new salted scrypt hash of password, as stored in BEACONLAKE_DASHBOARD_PASSWORD_HASH."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=N, r=R, p=P, dklen=DKLEN)
    return f"scrypt${N}${R}${P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """True when password matches the stored hash; a malformed hash never matches."""
    try:
        algo, n, r, p, salt_hex, hash_hex = stored.strip().split("$")
        if algo != "scrypt":
            return False
        expected = bytes.fromhex(hash_hex)
        digest = hashlib.scrypt(
            password.encode(),
            salt=bytes.fromhex(salt_hex),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
            maxmem=256 * 1024 * 1024,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest, expected)
