"""The fast path for batches: typed decoding with msgspec (C), no per-event Python checks.

A batch whose every event is plainly valid is decoded into structs whose constraints mirror the
validation steps (`validate.STEPS`); `properties`/`context` stay raw JSON text (no re-encoding).
Both body forms have one: a batch, and a single event (its key and `sent_at` inside it). Anything
the fast path is not sure about (a failed constraint, a large or possibly deep object, non-UTF-8
bytes) returns None and the request takes the exact path:
orjson + every step, which decides and names the reasons. So the steps stay the one source of
truth; this only skips them when their answer is known to be "accept" (tests check the pairs).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from functools import lru_cache
from typing import Annotated, Any, NamedTuple

import msgspec
from msgspec import Meta, Raw

from ingest_api.rows import Chunk, RequestMeta
from ingest_api.validate import SIZE_EXEMPT_EVENTS, Limits

NULL = b"null"


class Decoders(NamedTuple):
    batch: msgspec.json.Decoder  # {"api_key", "sent_at", "batch": [event, ...]}
    single: msgspec.json.Decoder  # {"api_key", ...event}
    batch_type: type  # builds a batch of one from a single event


def make_decoder(limits: Limits, max_batch: int) -> Decoders:
    """Decoders for both body forms with the limits built in."""
    name = Annotated[str, Meta(min_length=1, max_length=limits.max_event_name)]
    ts = Annotated[str, Meta(max_length=64)]
    eid = Annotated[str, Meta(min_length=1, max_length=limits.max_event_id)]
    text = Annotated[str, Meta(max_length=limits.max_string_chars)]
    fields: list[tuple] = [
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
    ]
    event = msgspec.defstruct("FastEvent", fields)
    single = msgspec.defstruct("FastSingle", [*fields, ("api_key", str | None, None)])
    batch = msgspec.defstruct(
        "FastBatch",
        [
            ("batch", Annotated[list[event], Meta(max_length=max_batch)]),  # type: ignore[valid-type]
            ("api_key", str | None, None),
            ("sent_at", str | None, None),
        ],
    )
    return Decoders(msgspec.json.Decoder(batch), msgspec.json.Decoder(single), batch)


SEP = b"\0"  # never inside JSON text, so it cannot be mistaken for part of an object
NOT_BRACKETS = bytes(c for c in range(256) if c not in b"{[\0")
OPEN_BRACE = ord("{")


@lru_cache
def _deep(max_depth: int) -> re.Pattern[bytes]:
    """max_depth brackets in a row of the brackets-only text: one object has that many."""
    return re.compile(rb"[{\[]{%d}" % max_depth)


def _objects_plain(rows: list[tuple], objs: list[bytes], limits: Limits) -> bool:
    """Whether every `properties`/`context` text of a batch is plainly fine: an object or null,
    not over the size limit, fewer than `max_depth` brackets. The brackets are counted in one
    C pass over all texts joined (four `bytes.count` calls an object made this check half of
    the fast path's time); where the joined texts pass the size limit, each is measured."""
    for o in objs:
        if o[0] != OPEN_BRACE and o != NULL:
            return False  # not an object: the exact path names the reason
    blob = SEP.join(objs)
    if len(blob) > limits.max_properties_bytes:  # may still fit once re-encoded: size_ok decides
        cap = limits.max_properties_bytes
        for r, p, c in zip(rows, objs[::2], objs[1::2], strict=True):
            if r[1] not in SIZE_EXEMPT_EVENTS and max(len(p), len(c)) > cap:
                return False
    # may be too deep: depth_ok walks it
    return _deep(limits.max_depth).search(blob.translate(None, NOT_BRACKETS)) is None


def decode(decoders: Decoders, body: bytes) -> Any | None:
    """The decoded batch (a single event becomes a batch of one), or None when the exact path
    must handle this body. A single event whose text holds "batch" is left to the exact path."""
    try:
        body.decode("utf-8")  # msgspec does not check bytes inside raw values
        if b'"batch"' in body:
            return decoders.batch.decode(body)
        ev = decoders.single.decode(body)
        return decoders.batch_type([ev], ev.api_key, None)  # its sent_at stays on the event
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
    objs: list[bytes] = []
    keep = objs.extend
    for e in batch.batch:
        props, ctx = bytes(e.properties), bytes(e.context)
        keep((props, ctx))
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
                None if props == NULL else props,
                None if ctx == NULL else ctx,
            )
        )
    if not _objects_plain(rows, objs, limits):
        return None
    return Chunk(meta.consts, rows)
