"""Test helpers: bronze rows as the collector writes them, and silver read back as dicts."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import orjson

from lake import io
from lake.registry import EVENTS, RAW_EVENTS, REPLAY_CHUNKS

RECEIVED = dt.datetime(2026, 11, 23, 10, 0, 0, tzinfo=dt.UTC)
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
_batches = itertools.count()


def row(event_id: str, **kw: Any) -> dict[str, Any]:
    """One raw_events row; keyword arguments override the defaults (dicts become JSON text)."""
    received = kw.pop("received_at", RECEIVED)
    base: dict[str, Any] = {
        "event_id": event_id,
        "event": "page_view",
        "timestamp": received.isoformat().replace("+00:00", "Z"),
        "sent_at": None,
        "visitor_id": "v1",
        "session_id": "s1",
        "user_id": None,
        "url": "https://shop.example/",
        "referrer": None,
        "title": "Home",
        "properties": None,
        "context": None,
        "received_at": received,
        "project_id": "shop",
        "ip_trunc": "81.2.69.0/24",
        "user_agent": CHROME,
        "ingest_batch_id": "b-test",
        "received_date": received.date(),
    }
    for k, v in kw.items():
        base[k] = orjson.dumps(v).decode() if isinstance(v, dict | list) else v
    return base


def land(*rows: dict[str, Any], root: str | None = None) -> None:
    """Append rows to bronze in one commit, as one collector group commit would."""
    io.append(RAW_EVENTS, list(rows), root=root)


def silver(root: str | None = None) -> dict[str, dict[str, Any]]:
    """Silver events keyed by event_id."""
    return {r["event_id"]: r for r in io.read_arrow(EVENTS, root=root).to_pylist()}


def chunks(root: str | None = None) -> list[dict[str, Any]]:
    return sorted(io.read_arrow(REPLAY_CHUNKS, root=root).to_pylist(), key=lambda r: r["seq"])
