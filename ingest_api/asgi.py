"""Raw ASGI helpers for the hot path: headers read once, answers sent without a Response object.

Starlette's Request/Response cost ~20% of a single-event request here (a header scan per lookup,
a MutableHeaders build per answer); POST /v1/events needs four headers and one JSON answer.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.types import Send

JSON_HEADERS = [(b"content-type", b"application/json")]
RETRY_AFTER = (b"retry-after", b"1")


def header_map(scope: dict[str, Any]) -> dict[bytes, bytes]:
    """Lower-case header name → raw value; the first of repeated headers wins (as Starlette)."""
    return dict(reversed(scope["headers"]))


def cors_headers(origin: bytes | None, origins: list[str]) -> list[tuple[bytes, bytes]]:
    """Access-Control-Allow-Origin for a configured (or any) origin; nothing otherwise."""
    if origin is None:
        return []
    if "*" in origins:
        return [(b"access-control-allow-origin", b"*")]
    if origin.decode("latin-1") in origins:
        return [(b"access-control-allow-origin", origin), (b"vary", b"Origin")]
    return []


async def send_json(
    send: Send, status: int, body: Any, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    data = orjson.dumps(body)
    headers = [*JSON_HEADERS, (b"content-length", b"%d" % len(data))]
    if extra:
        headers += extra
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})
