"""Decoding `silver/replay_chunks` payloads back into rrweb events, for the player and tests.

A payload is either a JSON list of rrweb events, or the browser SDK's replay properties
(sdk/js/src/replay-pack.js): `data` holding the events as gzip+base64 (`enc` "gzip-base64") or
JSON text (`enc` "json"), maybe cut into `part` 0..`parts`-1 on consecutive seqs. Python's gzip
and base64 are all a reader needs; nothing here is BeaconLake-specific beyond that layout.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import json
from collections.abc import Iterable, Mapping
from typing import Any


def _events(enc: str | None, data: str) -> list[dict[str, Any]]:
    text = gzip.decompress(base64.b64decode(data)).decode() if enc == "gzip-base64" else data
    out = json.loads(text)
    if not isinstance(out, list):
        raise ValueError("a replay chunk holds a list of rrweb events")
    return out


def decode_chunks(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The rrweb events of one session's chunk rows (each with `seq` and `payload`), in order.

    Rows are ordered by seq and a repeated seq counts once; a cut chunk whose parts are not all
    there yet (or any chunk that cannot be decoded) is skipped rather than failing the replay.
    """
    seen: set[int] = set()
    out: list[dict[str, Any]] = []
    pending: list[str] = []
    for r in sorted(rows, key=lambda r: r["seq"]):
        if r["seq"] in seen:
            continue
        seen.add(r["seq"])
        p = json.loads(r["payload"])
        if isinstance(p, list):
            out.extend(p)
            continue
        parts, part = p.get("parts") or 1, p.get("part") or 0
        if part == 0:
            pending = []
        pending.append(p.get("data") or "")
        if len(pending) != part + 1 or part < parts - 1:
            continue  # a missing earlier part or more parts to come
        with contextlib.suppress(ValueError, OSError, EOFError):  # undecodable: skipped
            out.extend(_events(p.get("enc"), "".join(pending)))
        pending = []
    out.sort(key=lambda e: e.get("timestamp") or 0)
    return out
