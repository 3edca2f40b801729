"""POST /v1/events: the hot path, a raw ASGI endpoint (no Request/Response objects, no per-event
pydantic): headers read once, the body decoded by the fast path where it can, one JSON answer."""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import os
import time

from starlette.types import Receive, Scope, Send

from ingest_api.asgi import RETRY_AFTER, cors_headers, header_map, send_json
from ingest_api.body import Disconnected, read_asgi
from ingest_api.envelope import parse_envelope
from ingest_api.errors import ApiError
from ingest_api.fastpath import decode, split_fast
from ingest_api.keyring import SECRET_PREFIX
from ingest_api.privacy import client_ip, ip_trunc, visitor_hash
from ingest_api.rows import RequestMeta, split
from ingest_api.state import CollectorState

log = logging.getLogger("beaconlake.collector")

MAX_UA_CHARS = 1000


def _text(h: dict[bytes, bytes], name: bytes) -> str | None:
    v = h.get(name)
    return None if v is None else v.decode("latin-1")


def _header_key(h: dict[bytes, bytes]) -> str | None:
    key = _text(h, b"x-beaconlake-key")
    if key:
        return key.strip()
    auth = _text(h, b"authorization")
    if auth and auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    return None


def _content_length(h: dict[bytes, bytes]) -> int | None:
    v = h.get(b"content-length")
    try:
        return int(v) if v is not None else None
    except ValueError:
        raise ApiError(400, "bad_content_length", "Content-Length is not a number") from None


async def _project(state: CollectorState, key: str | None) -> str:
    if not key:
        raise ApiError(401, "missing_key", "send a write key: api_key, Bearer or X-Beaconlake-Key")
    if key.startswith(SECRET_PREFIX):
        raise ApiError(401, "secret_key", "this is a secret key; the collector takes write keys")
    project = await state.keys.project_for(key)
    if project is None:
        raise ApiError(401, "unknown_key", "unknown or revoked write key")
    return project


def batch_ids() -> itertools.count:
    """Request ids without a syscall each (os.urandom was ~2% of a worker's loop): a random
    48-bit prefix per endpoint (one per worker process) and a counter, 24 hex digits as before.
    An id only tells one request's rows apart (event_id is the deduplication key)."""
    return itertools.count(int.from_bytes(os.urandom(6)) << 48)


def make_endpoint(state: CollectorState):
    s = state.settings
    cap, max_batch = s.max_body_bytes, s.max_batch_events
    origins = list(s.cors_origins)
    next_id = batch_ids().__next__

    async def post_events(scope: Scope, receive: Receive, send: Send) -> None:
        t0 = time.perf_counter()
        project = None
        accepted = rejected = 0
        h = header_map(scope)
        cors = cors_headers(h.get(b"origin"), origins)
        try:
            if state.draining:
                raise ApiError(503, "shutting_down", "the collector is shutting down; retry")
            gzip = h.get(b"content-encoding", b"").lower() == b"gzip"
            body = await read_asgi(receive, cap, gzip, _content_length(h))
            fast = decode(state.fast_decoder, body)
            env = parse_envelope(body, max_batch) if fast is None else None
            events = fast.batch if env is None else env.events
            body_key = fast.api_key if env is None else env.api_key
            project = await _project(state, body_key or _header_key(h))
            if not state.rate.allow(project, len(events)):
                raise ApiError(429, "rate_limited", f"project {project} is over its event rate")
            client = scope.get("client")
            peer = client[0] if client else None
            ip = client_ip(peer, _text(h, b"x-forwarded-for"), state.trusted)
            ua = _text(h, b"user-agent")
            ua = ua[:MAX_UA_CHARS] if ua else None
            now = dt.datetime.now(dt.UTC)
            salt = state.current_salt(now.date())
            pid = project
            meta = RequestMeta(
                received_at=now,
                project_id=project,
                ip_trunc=ip_trunc(ip) if ip else None,
                user_agent=ua,
                batch_id=f"{next_id():024x}",
                visitor=lambda: visitor_hash(salt, pid, ip, ua),
                cookieless=s.cookieless,
            )
            chunk = split_fast(fast, meta, state.limits) if fast is not None else None
            if chunk is None:  # not sure on the fast path: every step decides
                if env is None:
                    env = parse_envelope(body, max_batch)
                chunk = split(env.events, env.sent_at, meta, state.limits, state.steps)
            # Drop the parsed body (the text, msgspec's structs) before the wait: thousands of
            # requests wait for their group at the peak, and holding what their rows no longer
            # need cost ~7% of a batch request's event-loop time (bench/collector_cpu.py A/B).
            del body, fast, env, events
            await state.committer.submit(chunk)
            accepted, rejected = len(chunk.accepted), len(chunk.rejected)
            state.metrics.events(accepted, chunk.reasons)
            status, answer, extra = 200, {"accepted": accepted, "rejected": rejected}, cors
            err = None
        except ApiError as e:
            status, err = e.status, e.error
            answer = {"error": e.error, "detail": e.detail}
            extra = [*cors, RETRY_AFTER] if status in (429, 503) else cors
        except Disconnected:
            status, err, answer = 499, "disconnected", None  # nobody to answer
        state.metrics.request(status)
        state.request_log.write(
            {
                "method": "POST",
                "path": "/v1/events",
                "status": status,
                "error": err,
                "project": project,
                "accepted": accepted,
                "rejected": rejected,
                "ms": round((time.perf_counter() - t0) * 1000, 2),
            }
        )
        if answer is not None:
            await send_json(send, status, answer, extra)

    return post_events
