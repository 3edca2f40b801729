"""Turn a request body into (api_key, sent_at, events): one event object or a batch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from ingest_api.errors import ApiError


@dataclass(slots=True)
class Envelope:
    api_key: str | None
    sent_at: str | None
    events: list[Any]


def _opt_str(doc: dict, name: str) -> str | None:
    v = doc.pop(name, None)
    if v is not None and not isinstance(v, str):
        raise ApiError(400, "bad_envelope", f"`{name}` must be a string")
    return v


def parse_envelope(body: bytes, max_batch: int) -> Envelope:
    """Parse with orjson; 400 for non-JSON or non-object bodies, 413 for oversized batches."""
    if not body:
        raise ApiError(400, "empty_body", "the body is empty; send a JSON object")
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as e:
        raise ApiError(400, "not_json", str(e)) from None
    if not isinstance(doc, dict):
        raise ApiError(400, "not_an_object", f"the body is a JSON {type(doc).__name__}")
    api_key = _opt_str(doc, "api_key")
    if "batch" in doc:
        batch = doc["batch"]
        if not isinstance(batch, list):
            raise ApiError(400, "bad_batch", "`batch` must be an array of events")
        if len(batch) > max_batch:
            raise ApiError(
                413, "too_many_events", f"{len(batch)} events in one batch, limit {max_batch}"
            )
        sent_at = doc.get("sent_at")
        if sent_at is not None and not isinstance(sent_at, str):
            raise ApiError(400, "bad_envelope", "`sent_at` must be a string")
        return Envelope(api_key, sent_at, batch)
    # A single event: its own sent_at stays on the event.
    return Envelope(api_key, None, [doc])
