"""Prometheus metrics of one collector process (each uvicorn worker has its own registry)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST


class Metrics:
    """Per-app registry so that several apps in one process (tests) do not collide."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "beaconlake_requests", "POST /v1/events requests by status", ["status"], registry=r
        )
        self.accepted = Counter(
            "beaconlake_events_accepted", "Events committed to raw_events", registry=r
        )
        self.rejected = Counter(
            "beaconlake_events_rejected",
            "Events written to rejected_events, by reason",
            ["reason"],
            registry=r,
        )
        self.commit_seconds = Histogram(
            "beaconlake_commit_seconds",
            "Duration of one group commit to the lake",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=r,
        )
        self.buffer_depth = Gauge(
            "beaconlake_buffer_events", "Events waiting for or in a commit", registry=r
        )
        self._status: dict[int, Counter] = {}

    def request(self, status: int) -> None:
        child = self._status.get(status)
        if child is None:
            child = self._status[status] = self.requests.labels(str(status))
        child.inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
