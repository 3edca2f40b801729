"""Per-event validation: a list of small pure steps, each of which may reject an event.

A step takes the event (whatever JSON value the client sent) and the limits, and returns None
(fine) or a `Rejection` with a typed reason. A rejected event goes to `rejected_events` and never
fails its batch. A new rule is one function appended to `STEPS`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson


class RejectReason(enum.StrEnum):
    """Why an event was rejected; stored in `rejected_events.reason` and in metrics labels."""

    not_an_object = "not_an_object"
    missing_event = "missing_event"
    bad_event_type = "bad_event_type"
    event_name_too_long = "event_name_too_long"
    missing_timestamp = "missing_timestamp"
    bad_timestamp_type = "bad_timestamp_type"
    bad_event_id = "bad_event_id"
    bad_field_type = "bad_field_type"
    string_too_long = "string_too_long"
    properties_not_object = "properties_not_object"
    too_deep = "too_deep"
    properties_too_large = "properties_too_large"


@dataclass(frozen=True, slots=True)
class Rejection:
    reason: RejectReason
    detail: str


@dataclass(frozen=True, slots=True)
class Limits:
    """The per-event limits, taken from settings once per app."""

    max_event_name: int = 200
    max_event_id: int = 200
    max_string_chars: int = 8192
    max_depth: int = 20
    max_properties_bytes: int = 65_536


Step = Callable[[Any, Limits], Rejection | None]

STRING_FIELDS = ("visitor_id", "session_id", "user_id", "url", "referrer", "title", "sent_at")
OBJECT_FIELDS = ("properties", "context")
# Session replay chunks are large by nature: the properties size limit does not apply to them.
SIZE_EXEMPT_EVENTS = frozenset({"replay"})


def is_object(ev: Any, limits: Limits) -> Rejection | None:
    if isinstance(ev, dict):
        return None
    return Rejection(RejectReason.not_an_object, f"event is a {type(ev).__name__}")


def has_event_name(ev: dict, limits: Limits) -> Rejection | None:
    name = ev.get("event")
    if name is None or name == "":
        return Rejection(RejectReason.missing_event, "`event` is required")
    if not isinstance(name, str):
        return Rejection(RejectReason.bad_event_type, "`event` must be a string")
    if len(name) > limits.max_event_name:
        return Rejection(
            RejectReason.event_name_too_long,
            f"`event` has {len(name)} characters, limit {limits.max_event_name}",
        )
    return None


def has_timestamp(ev: dict, limits: Limits) -> Rejection | None:
    ts = ev.get("timestamp")
    if ts is None:
        return Rejection(RejectReason.missing_timestamp, "`timestamp` is required")
    if not isinstance(ts, str):
        return Rejection(RejectReason.bad_timestamp_type, "`timestamp` must be an ISO 8601 string")
    if len(ts) > 64:
        return Rejection(RejectReason.string_too_long, "`timestamp` is longer than 64 characters")
    return None


def event_id_ok(ev: dict, limits: Limits) -> Rejection | None:
    eid = ev.get("event_id")
    if eid is None:
        return None  # the server makes one
    if not isinstance(eid, str) or not eid or len(eid) > limits.max_event_id:
        return Rejection(
            RejectReason.bad_event_id,
            f"`event_id` must be a non-empty string of at most {limits.max_event_id} characters",
        )
    return None


def string_fields_ok(ev: dict, limits: Limits) -> Rejection | None:
    for name in STRING_FIELDS:
        v = ev.get(name)
        if v is None:
            continue
        if not isinstance(v, str):
            return Rejection(RejectReason.bad_field_type, f"`{name}` must be a string or null")
        if len(v) > limits.max_string_chars:
            return Rejection(
                RejectReason.string_too_long,
                f"`{name}` has {len(v)} characters, limit {limits.max_string_chars}",
            )
    return None


def objects_ok(ev: dict, limits: Limits) -> Rejection | None:
    for name in OBJECT_FIELDS:
        v = ev.get(name)
        if v is not None and not isinstance(v, dict):
            return Rejection(RejectReason.properties_not_object, f"`{name}` must be an object")
    return None


def _too_deep(obj: dict | list, limit: int) -> bool:
    """True when obj nests deeper than limit (objects and arrays count one level each).
    Iterative and type-exact: flat objects, the usual case, cost one pass over their values."""
    stack = [(obj, 1)]
    while stack:
        o, level = stack.pop()
        if level > limit:
            return True
        for v in o.values() if type(o) is dict else o:
            t = type(v)
            if t is dict or t is list:
                stack.append((v, level + 1))
    return False


def depth_ok(ev: dict, limits: Limits) -> Rejection | None:
    for name in OBJECT_FIELDS:
        v = ev.get(name)
        if v and _too_deep(v, limits.max_depth):
            return Rejection(
                RejectReason.too_deep, f"`{name}` nests deeper than {limits.max_depth} levels"
            )
    return None


def size_ok(ev: dict, limits: Limits) -> Rejection | None:
    if ev.get("event") in SIZE_EXEMPT_EVENTS:
        return None
    for name in OBJECT_FIELDS:
        v = ev.get(name)
        if v:
            size = len(orjson.dumps(v))
            if size > limits.max_properties_bytes:
                return Rejection(
                    RejectReason.properties_too_large,
                    f"`{name}` is {size} bytes serialized, limit {limits.max_properties_bytes}",
                )
    return None


# Order matters: later steps may assume what earlier ones checked (e.g. that ev is a dict).
STEPS: list[Step] = [
    is_object,
    has_event_name,
    has_timestamp,
    event_id_ok,
    string_fields_ok,
    objects_ok,
    depth_ok,
    size_ok,
]


def validate(ev: Any, limits: Limits, steps: list[Step] = STEPS) -> Rejection | None:
    """The first rejection a step returns, or None when the event is accepted."""
    for step in steps:
        r = step(ev, limits)
        if r is not None:
            return r
    return None
