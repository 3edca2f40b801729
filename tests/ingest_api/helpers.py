"""Helpers for collector tests: events, posting, reading the bronze tables."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from lake import io
from lake.registry import RAW_EVENTS, REJECTED_EVENTS


def event(name: str = "page_view", **extra: Any) -> dict[str, Any]:
    ev = {
        "event_id": str(uuid.uuid4()),
        "event": name,
        "timestamp": "2026-11-23T10:00:01.003Z",
        "visitor_id": "v_1",
        "session_id": "s_1",
        "url": "https://shop.example/p/42?utm_source=news",
        "properties": {"plan": "pro"},
    }
    ev.update(extra)
    return ev


def post(url: str, body: Any, **kw: Any) -> httpx.Response:
    """POST a JSON body to the collector's events endpoint."""
    return httpx.post(f"{url}/v1/events", json=body, timeout=30, **kw)


def raw_rows(root: str) -> list[dict]:
    return io.read_arrow(RAW_EVENTS, root=root).to_pylist()


def rejected_rows(root: str) -> list[dict]:
    return io.read_arrow(REJECTED_EVENTS, root=root).to_pylist()
