"""The collector app: `create_app()` builds it from settings (uvicorn runs it with --factory)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from beaconlake.settings import get_settings
from ingest_api import openapi, static
from ingest_api.asgi import send_json
from ingest_api.compactor import Compactor
from ingest_api.errors import json_response
from ingest_api.events import make_endpoint
from ingest_api.logs import setup_logging
from ingest_api.state import CollectorState

log = logging.getLogger("beaconlake.collector")

# The young generation is collected after 200,000 net allocations (Python's default: 700;
# before: 20,000). A group commit holds every waiting request's objects (task, scope, rows)
# until it lands, and the freed ones do not lower the allocation count once a collection has
# reset it: at 20,000 each worker ran ~5 young collections a second at 4,000 connections, each
# walking the live requests (~20 ms of CPU), ~10% of the event loop's time (py-spy,
# `gc.callbacks`). Cyclic garbage is rare here (~10 objects a collection), so a collection every
# 200,000 keeps at most ~20-40 MB of it.
GC_THRESHOLD = (200_000, 20, 20)


def _hook_sigterm(state: CollectorState) -> None:
    """Mark the process as draining the moment SIGTERM arrives (uvicorn then shuts down)."""
    prev = signal.getsignal(signal.SIGTERM)
    if not callable(prev):
        return

    loop = asyncio.get_running_loop()

    def on_term(sig: int, frame: object) -> None:
        if state.committer is not None:
            loop.call_soon_threadsafe(state.committer.begin_drain)
        prev(sig, frame)

    with contextlib.suppress(ValueError):  # not the main thread (an in-process test server)
        signal.signal(signal.SIGTERM, on_term)


def _lifespan(state: CollectorState):
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Salts matter on the hot path only in cookieless mode; otherwise load them meanwhile.
        salt = state._salt_task = asyncio.create_task(state.refresh_salt())
        prepared, *_ = await asyncio.gather(
            asyncio.to_thread(state.prepare_lake),
            state.keys.refresh(),
            asyncio.to_thread(state.warm_up),
            return_exceptions=True,
        )
        if isinstance(prepared, Exception):  # /readyz reports it; commits answer 503 meanwhile
            log.error("lake_not_writable", extra={"fields": {"error": type(prepared).__name__}})
        if state.settings.cookieless:
            await salt
        committer = state.new_committer()
        committer.start()
        key_task = asyncio.create_task(state.keys.run(), name="key-refresh")
        log_task = asyncio.create_task(state.request_log.run(), name="request-log")
        tasks = [key_task, log_task]
        if state.settings.compact_min_files > 0:
            s = state.settings
            compactor = Compactor(
                s.compact_every_s, s.compact_min_files, s.compact_target_mib << 20
            )
            tasks.append(asyncio.create_task(compactor.run(), name="bronze-compaction"))
        _hook_sigterm(state)
        # Requests allocate many short-lived objects: collect the young generation less often
        # and keep the startup heap (frameworks, tables) out of full collections.
        gc_threshold = gc.get_threshold()
        gc.collect()
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLD)
        log.info("collector_started", extra={"fields": {"app_id": committer.app_id}})
        try:
            yield
        finally:
            await committer.drain()
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            gc.unfreeze()
            gc.set_threshold(*gc_threshold)
            log.info("collector_stopped", extra={"fields": {"commits": committer.seq}})

    return lifespan


class CollectorApp(FastAPI):
    """FastAPI, except that POST /v1/events skips the middleware stack (seven layers of
    per-request work) and goes straight to its raw ASGI endpoint, which sets its own CORS
    header."""

    events_endpoint: Callable[[Scope, Receive, Send], Awaitable[None]]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == "/v1/events":
            try:
                await self.events_endpoint(scope, receive, send)
            except Exception:
                log.exception("unhandled_error")
                await send_json(send, 500, {"error": "internal", "detail": None})
            return
        await super().__call__(scope, receive, send)


def create_app() -> FastAPI:
    settings = get_settings()
    setup_logging()
    state = CollectorState(settings)
    app = CollectorApp(
        title="BeaconLake collector",
        version="0.1.0",
        lifespan=_lifespan(state),
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.collector = state
    app.events_endpoint = make_endpoint(state)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["POST"],
        allow_headers=["Content-Type", "Content-Encoding", "Authorization", "X-Beaconlake-Key"],
        allow_credentials=False,
        max_age=86_400,
    )

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> Response:
        """Readiness: not draining and the lake takes a real write."""
        if state.draining:
            return json_response({"status": "draining"}, 503)
        if not await asyncio.to_thread(state.writable):
            return json_response({"status": "lake_not_writable"}, 503)
        return json_response({"status": "ready"})

    @app.get("/metrics")
    async def metrics(request: Request) -> Response:
        return Response(state.metrics.render(), media_type=state.metrics.content_type)

    static.install(app, settings)
    openapi.install(app)
    return app
