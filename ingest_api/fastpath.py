"""The fast path for batches: typed decoding with msgspec (C), no per-event Python checks.

A batch whose every event is plainly valid is decoded into structs whose constraints mirror the
validation steps (`validate.STEPS`); `properties`/`context` stay raw JSON text (no re-encoding).
Anything the fast path is not sure about (a failed constraint, a large or possibly deep object,
non-UTF-8 bytes, the single-event form) returns None and the request takes the exact path:
orjson + every step, which decides and names the reasons. So the steps stay the one source of
truth; this only skips them when their answer is known to be "accept" (tests check the pairs).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any

import msgspec
from msgspec import Meta, Raw

from ingest_api.rows import Chunk, RequestMeta
from ingest_api.validate import SIZE_EXEMPT_EVENTS, Limits

NULL = b"null"


def make_decoder(limits: Limits, max_batch: int) -> msgspec.json.Decoder:
    """A decoder for `{"api_key", "sent_at", "batch": [...]}` with the limits built in."""
    name = Annotated[str, Meta(min_length=1, max_length=limits.max_event_name)]
    ts = Annotated[str, Meta(max_length=64)]
    eid = Annotated[str, Meta(min_length=1, max_length=limits.max_event_id)]
    text = Annotated[str, Meta(max_length=limits.max_string_chars)]
    event = msgspec.defstruct(
        "FastEvent",
        [
            ("event", name),
            ("timestamp", ts),
            ("event_id", eid | None, None),
            ("sent_at", text | None, None),
            ("visitor_id", text | None, None),
            ("session_id", text | None, None),
            ("user_id", text | None, None),
            ("url", text | None, None),
            ("referrer", text | None, None),
            ("title", text | None, None),
            ("properties", Raw, Raw(NULL)),
            ("context", Raw, Raw(NULL)),
        ],
    )
    batch = msgspec.defstruct(
        "FastBatch",
        [
            ("batch", Annotated[list[event], Meta(max_length=max_batch)]),  # type: ignore[valid-type]
            ("api_key", str | None, None),
            ("sent_at", str | None, None),
        ],
    )
    return msgspec.json.Decoder(batch)


def _object_text(raw: Raw, limits: Limits, exempt: bool) -> bytes | bool | None:
    """The raw object as bytes, None for null, False when the exact path must decide."""
    b = bytes(raw)
    if b == NULL:
        return None
    if b[:1] != b"{":
        return False
    if not exempt and len(b) > limits.max_properties_bytes:
        return False  # may still fit once re-encoded: let size_ok measure it
    if b.count(b"{") + b.count(b"[") >= limits.max_depth:
        return False  # may be too deep: let depth_ok walk it
    return b


def decode(decoder: msgspec.json.Decoder, body: bytes) -> Any | None:
    """The decoded batch, or None when the exact path must handle this body."""
    if b'"batch"' not in body:
        return None
    try:
        body.decode("utf-8")  # msgspec does not check bytes inside raw values
        return decoder.decode(body)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return None  # deep nesting: orjson's depth limit answers 400 on the exact path


def split_fast(batch: Any, meta: RequestMeta, limits: Limits) -> Chunk | None:
    """Row tuples for a decoded batch, or None when some event needs the exact path."""
    rows: list[tuple] = []
    add = rows.append
    sent_at = batch.sent_at
    derived: str | None = None
    cookieless = meta.cookieless
    new_id: Callable[[], uuid.UUID] = uuid.uuid4
    for e in batch.batch:
        exempt = e.event in SIZE_EXEMPT_EVENTS
        props = _object_text(e.properties, limits, exempt)
        ctx = _object_text(e.context, limits, exempt)
        if props is False or ctx is False:
            return None
        visitor = e.visitor_id
        if cookieless or not visitor:
            if derived is None:
                derived = meta.visitor()
            visitor = derived
        add(
            (
                e.event_id or str(new_id()),
                e.event,
                e.timestamp,
                e.sent_at or sent_at,
                visitor,
                e.session_id,
                e.user_id,
                e.url,
                e.referrer,
                e.title,
                props,
                ctx,
            )
        )
    return Chunk(meta.consts, rows)
