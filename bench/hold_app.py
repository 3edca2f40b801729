"""The bare handler of bench/bare_app.py, except that each answer waits for a group "commit" that
costs nothing: the upper bound of any collector that answers only after a group commit.

`BENCH_HOLD_MS` (default 100) is the cycle: while requests wait, every that many milliseconds
all of them are answered at once (0: on the loop's next turn, the wait's own cost alone).
`BENCH_HOLD_KEEP` 1 (default) keeps each request's parsed body alive while it waits, as a
collector must keep its rows until they are committed; 0 drops it first. The collector's garbage
collector settings apply (`ingest_api.app.GC_THRESHOLD`, startup heap frozen): held objects make
young collections expensive otherwise. bench/collector_bound.py drives it against the bare handler.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import os

import orjson

from bench.bare_app import answer, events_in, read_body
from bench.bare_app import app as bare
from ingest_api.app import GC_THRESHOLD


class Group:
    """One shared future per cycle; the first waiter of a cycle arms the timer."""

    def __init__(self) -> None:
        self.hold_s = float(os.environ.get("BENCH_HOLD_MS", "100")) / 1000
        self.keep = os.environ.get("BENCH_HOLD_KEEP", "1") == "1"
        self.fut: asyncio.Future | None = None

    def _flush(self) -> None:
        fut, self.fut = self.fut, None
        if fut is not None:
            fut.set_result(None)

    async def wait(self) -> None:
        if self.fut is None:
            loop = asyncio.get_running_loop()
            self.fut = loop.create_future()
            if self.hold_s > 0:
                loop.call_later(self.hold_s, self._flush)
            else:
                loop.call_soon(self._flush)
        await self.fut


@functools.cache
def group() -> Group:
    """The process's group, made at the first request (with the collector's GC settings)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
    return Group()


async def app(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
    if scope["type"] != "http" or scope["path"] != "/v1/events":
        return await bare(scope, receive, send)
    doc = orjson.loads(await read_body(receive))
    n = events_in(doc)
    g = group()
    if not g.keep:
        del doc
    await g.wait()
    await answer(send, b'{"accepted":%d,"rejected":0}' % n)
