"""The ceiling for bench/collector.py: a raw ASGI app that reads the body, parses it with orjson
and discards it. Served by the same uvicorn settings as the collector."""

from __future__ import annotations

import orjson


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
        chunks = []
        more = True
        while more:
            msg = await receive()
            chunks.append(msg.get("body", b""))
            more = msg.get("more_body", False)
        doc = orjson.loads(b"".join(chunks))
        n = len(doc["batch"]) if "batch" in doc else 1
        body = b'{"accepted":%d,"rejected":0}' % n
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})
