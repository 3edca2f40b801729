"""Prometheus metrics of one collector process (each uvicorn worker has its own registry).

The hot path only adds to plain ints (a prometheus-client counter takes a lock per `inc`, ~3% of
a single-event request); a custom collector turns them into counters when /metrics is scraped.
Everything runs on the event loop thread, so the ints need no lock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector


class _Counts(Collector):
    """Requests by status, events accepted, rejections by reason, buffer depth: read at scrape."""

    def __init__(self, m: Metrics) -> None:
        self.m = m

    def collect(self) -> Iterator[Metric]:
        m = self.m
        req = CounterMetricFamily(
            "beaconlake_requests", "POST /v1/events requests by status", labels=["status"]
        )
        for status, n in sorted(m.by_status.items()):
            req.add_metric([str(status)], n)
        yield req
        yield CounterMetricFamily(
            "beaconlake_events_accepted", "Events committed to raw_events", value=m.accepted
        )
        rej = CounterMetricFamily(
            "beaconlake_events_rejected",
            "Events written to rejected_events, by reason",
            labels=["reason"],
        )
        for reason, n in sorted(m.rejected.items()):
            rej.add_metric([reason], n)
        yield rej
        yield GaugeMetricFamily(
            "beaconlake_buffer_events", "Events waiting for or in a commit", value=m.depth()
        )


class Metrics:
    """Per-app registry so that several apps in one process (tests) do not collide."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.by_status: dict[int, int] = {}
        self.accepted = 0
        self.rejected: dict[str, int] = {}
        self.depth: Callable[[], float] = lambda: 0  # the committer's buffer depth
        self.registry.register(_Counts(self))
        self.commit_seconds = Histogram(
            "beaconlake_commit_seconds",
            "Duration of one group commit to the lake",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )

    def request(self, status: int) -> None:
        self.by_status[status] = self.by_status.get(status, 0) + 1

    def events(self, accepted: int, rejected_by_reason: dict[str, int]) -> None:
        self.accepted += accepted
        for reason, n in rejected_by_reason.items():
            self.rejected[reason] = self.rejected.get(reason, 0) + n

    def render(self) -> bytes:
        return generate_latest(self.registry)
