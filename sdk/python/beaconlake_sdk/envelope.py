"""Events and request bodies in the collector's envelope (SPEC section 2).

Each event is serialized once, when it is captured, so the batcher can count bytes exactly and a
retry resends the very same bytes (same `event_id`, so the lake never counts it twice).
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from beaconlake_sdk.version import LIB_NAME, __version__

MAX_BATCH_EVENTS = 500  # SPEC: 500 events a batch
MAX_BODY_BYTES = 1_048_576  # SPEC: 1 MiB decompressed
MAX_EVENT_NAME = 200
# Room for {"api_key": ..., "sent_at": ..., "batch": [...]} around the events.
_ENVELOPE_OVERHEAD = 512


def iso_utc(value: dt.datetime | None = None) -> str:
    """ISO 8601 in UTC with milliseconds and a Z, as the browser SDK writes it."""
    value = value or dt.datetime.now(dt.UTC)
    if value.tzinfo is None:  # SPEC: a time with no zone is UTC
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _json_default(value: Any) -> Any:
    """Types people put in properties that JSON has no word for."""
    if isinstance(value, dt.datetime):
        return iso_utc(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"property value of type {type(value).__name__} is not JSON serializable")


def dumps(obj: Any) -> bytes:
    """Compact UTF-8 JSON (NaN is not JSON, so it is refused here, not at the collector)."""
    return json.dumps(
        obj, default=_json_default, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def make_event(
    event: str,
    *,
    visitor_id: str | None = None,
    user_id: str | None = None,
    session_id: str | None = None,
    properties: Mapping[str, Any] | None = None,
    timestamp: dt.datetime | str | None = None,
    url: str | None = None,
    referrer: str | None = None,
    title: str | None = None,
    event_id: str | None = None,
    context: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One event dict; raises ValueError/TypeError for input the collector would refuse."""
    if not isinstance(event, str) or not event.strip():
        raise ValueError("event name must be a non-empty string")
    if len(event) > MAX_EVENT_NAME:
        raise ValueError(f"event name longer than {MAX_EVENT_NAME} characters")
    if not visitor_id and not user_id:
        raise ValueError("give a distinct_id/visitor_id or a user_id")
    if properties is not None and not isinstance(properties, Mapping):
        raise TypeError("properties must be a mapping")
    if isinstance(timestamp, dt.datetime) or timestamp is None:
        ts = iso_utc(timestamp)
    else:
        ts = str(timestamp)
    out: dict[str, Any] = {
        "event_id": event_id or str(uuid.uuid4()),
        "event": event,
        "timestamp": ts,
        # A server-side event often knows only the user: the user is then the visitor too.
        "visitor_id": str(visitor_id or user_id),
        "session_id": session_id,
        "user_id": None if user_id is None else str(user_id),
        "url": url,
        "referrer": referrer,
        "title": title,
        "properties": dict(properties or {}),
        "context": {"lib": LIB_NAME, "lib_version": __version__, **(context or {})},
    }
    return out


def body(api_key: str, events: Iterable[bytes], sent_at: str | None = None) -> bytes:
    """The request body for already-serialized events; `sent_at` is stamped per send."""
    head = dumps({"api_key": api_key, "sent_at": sent_at or iso_utc()})[:-1]
    return head + b',"batch":[' + b",".join(events) + b"]}"


def split_batches(
    events: list[bytes],
    max_events: int = MAX_BATCH_EVENTS,
    max_bytes: int = MAX_BODY_BYTES,
) -> list[list[bytes]]:
    """Cut serialized events into batches within the collector's count and size limits.

    An event too big to fit even alone is left out; the caller counts it as dropped.
    """
    budget = max_bytes - _ENVELOPE_OVERHEAD
    batches: list[list[bytes]] = []
    current: list[bytes] = []
    size = 0
    for ev in events:
        n = len(ev) + 1  # the comma
        if n > budget:
            continue
        if current and (len(current) >= max_events or size + n > budget):
            batches.append(current)
            current, size = [], 0
        current.append(ev)
        size += n
    if current:
        batches.append(current)
    return batches


def fits(event: bytes, max_bytes: int = MAX_BODY_BYTES) -> bool:
    """Whether one serialized event can ever be sent."""
    return len(event) + 1 <= max_bytes - _ENVELOPE_OVERHEAD
