"""`forget` while the collector keeps committing: the person's rows go, every event the
collector acknowledged for anyone else stays, and bronze still opens and reads.

Without `--vacuum-now`; the purge under live appends (it once lost an acknowledged batch when
it deleted old commit files) is tested in tests/lake/test_purge.py and
tests/robustness/test_forget_live.py."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable

import httpx
import pytest

from lake import erasure, io
from lake.registry import RAW_EVENTS
from tests.conftest import CollectorProcess


def _ev(visitor: str, user: str | None = None) -> dict:
    return {"event_id": str(uuid.uuid4()), "event": "page_view",
            "timestamp": "2026-11-23T10:00:01Z", "visitor_id": visitor,
            "session_id": f"ses_{visitor}", "user_id": user}  # fmt: skip


@pytest.mark.timeout(300)
def test_forget_under_live_appends_loses_no_acknowledged_event(
    start_collector: Callable[..., CollectorProcess],
) -> None:
    c = start_collector(flush_interval_ms=20)
    person = [_ev("vis_gone77", "usr_gone77") for _ in range(5)]
    r = httpx.post(f"{c.url}/v1/events", json={"api_key": c.key, "batch": person}, timeout=30)
    assert r.json()["accepted"] == 5

    acked: list[str] = []
    errors: list[str] = []
    stop = threading.Event()

    def traffic() -> None:
        with httpx.Client(timeout=60) as client:
            while not stop.is_set():
                batch = [_ev(f"vis_other{i}") for i in range(10)]
                resp = client.post(f"{c.url}/v1/events", json={"api_key": c.key, "batch": batch})
                if resp.status_code == 200:
                    acked.extend(e["event_id"] for e in batch)
                elif resp.status_code != 503:  # 503 = not stored, the client retries
                    errors.append(f"{resp.status_code} {resp.text[:200]}")

    sender = threading.Thread(target=traffic)
    sender.start()
    try:
        while len(acked) < 50:  # traffic is flowing before and during the erasure
            threading.Event().wait(0.05)
        for _ in range(3):
            result = erasure.forget_person("usr_gone77", root=c.lake_root)
            assert result.status == "done"
        seen = len(acked)
        while len(acked) < seen + 50:  # and commits keep landing after it
            threading.Event().wait(0.05)
    finally:
        stop.set()
        sender.join(60)
    assert errors == []
    assert c.proc.poll() is None

    stored = io.read_arrow(RAW_EVENTS, ["event_id", "visitor_id"], root=c.lake_root)
    ids = stored.column("event_id").to_pylist()
    assert set(acked) <= set(ids)  # nothing acknowledged was lost
    assert len(ids) == len(set(ids))  # nor doubled
    assert "vis_gone77" not in stored.column("visitor_id").to_pylist()
