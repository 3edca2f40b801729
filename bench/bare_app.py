"""The ceiling for bench/collector.py: a raw ASGI app that reads the body, parses it with orjson
and discards it. Served by the same uvicorn settings as the collector."""

from __future__ import annotations

import orjson


async def read_body(receive) -> bytes:  # type: ignore[no-untyped-def]
    chunks = []
    more = True
    while more:
        msg = await receive()
        chunks.append(msg.get("body", b""))
        more = msg.get("more_body", False)
    return b"".join(chunks)


def events_in(doc: dict) -> int:
    return len(doc["batch"]) if "batch" in doc else 1


async def answer(send, body: bytes) -> None:  # type: ignore[no-untyped-def]
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def app(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
    if scope["type"] == "lifespan":
        while True:
            msg = await receive()
            if msg["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif msg["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    if scope["path"] == "/healthz":
        body = b'{"status":"ok"}'
    else:
        n = events_in(orjson.loads(await read_body(receive)))
        body = b'{"accepted":%d,"rejected":0}' % n
    await answer(send, body)
