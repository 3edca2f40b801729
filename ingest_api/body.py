"""Read a request body under a hard size cap, decompressing gzip as it arrives.

The cap applies to the decompressed bytes and is enforced while reading, so a chunked body or a
gzip bomb costs at most `cap` bytes of memory before it is answered 413.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator

from starlette.types import Receive

from ingest_api.errors import ApiError


def too_large(cap: int) -> ApiError:
    return ApiError(413, "body_too_large", f"request body over {cap} bytes (decompressed)")


class Gunzip:
    """Incremental gzip decoder that refuses to produce more than `cap` bytes."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.size = 0
        self.parts: list[bytes] = []
        self._d = zlib.decompressobj(16 + zlib.MAX_WBITS)

    def feed(self, data: bytes) -> None:
        try:
            while data:
                out = self._d.decompress(data, self.cap + 1 - self.size)
                self.size += len(out)
                if self.size > self.cap:
                    raise too_large(self.cap)
                self.parts.append(out)
                data = self._d.unconsumed_tail
                if self._d.eof:
                    break
        except zlib.error as e:
            raise ApiError(400, "bad_gzip", str(e)) from None

    def finish(self) -> bytes:
        try:
            self.parts.append(self._d.flush())
        except zlib.error as e:
            raise ApiError(400, "bad_gzip", str(e)) from None
        if not self._d.eof:
            raise ApiError(400, "bad_gzip", "truncated gzip stream")
        return b"".join(self.parts)


def gunzip_capped(data: bytes, cap: int) -> bytes:
    g = Gunzip(cap)
    g.feed(data)
    return g.finish()


async def read_capped(
    chunks: AsyncIterator[bytes], cap: int, gzip: bool, content_length: int | None
) -> bytes:
    """The whole (decompressed) body, or ApiError 413/400."""
    if content_length is not None and content_length > cap:
        # A compressed body larger than the cap cannot decompress to less than it in practice.
        raise too_large(cap)
    if gzip:
        g = Gunzip(cap)
        async for chunk in chunks:
            if chunk:
                g.feed(chunk)
        return g.finish()
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > cap:
            raise too_large(cap)
        parts.append(chunk)
    return parts[0] if len(parts) == 1 else b"".join(parts)


class Disconnected(Exception):
    """The client went away before its body arrived: nothing to answer, nothing stored."""


async def read_asgi(receive: Receive, cap: int, gzip: bool, content_length: int | None) -> bytes:
    """`read_capped` over ASGI receive messages; a body that came in one message (the usual
    case) is taken without an async generator."""
    msg = await receive()
    if msg["type"] == "http.disconnect":
        raise Disconnected
    first = msg.get("body", b"")
    if not msg.get("more_body", False) and not gzip:
        if (content_length is not None and content_length > cap) or len(first) > cap:
            raise too_large(cap)
        return first

    async def chunks() -> AsyncIterator[bytes]:
        yield first
        more = msg.get("more_body", False)
        while more:
            m = await receive()
            if m["type"] == "http.disconnect":
                raise Disconnected
            yield m.get("body", b"")
            more = m.get("more_body", False)

    return await read_capped(chunks(), cap, gzip, content_length)
