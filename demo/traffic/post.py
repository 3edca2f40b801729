"""Post simulated visitors through the real collector, each with its own IP and user agent.

One visitor's events go in batches (SPEC limits) with that visitor's `User-Agent` and an
`X-Forwarded-For` carrying its IP: the collector believes the header only from an address in
`BEACONLAKE_TRUSTED_PROXIES` (set it to ["127.0.0.1"] when the generator runs on the same host).
Visitors are posted concurrently, so the collector's group commit fills each Delta commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from beaconlake_sdk.envelope import dumps, split_batches
from beaconlake_sdk.transport import SendResult, Transport

from demo.traffic.journeys import Visitor


def post_visitors(
    visitors: Iterable[Visitor],
    host: str,
    key: str,
    *,
    concurrency: int = 16,
    timeout: float = 30.0,
) -> SendResult:
    """Send every visitor's events; the result counts what the collector accepted."""
    transport = Transport(key, host, timeout=timeout, max_retries=6)

    def send(v: Visitor) -> SendResult:
        raw = [dumps(e) for e in sorted(v.events, key=lambda e: e["timestamp"])]
        headers = {"User-Agent": v.device.user_agent, "X-Forwarded-For": v.ip}
        out = SendResult()
        for batch in split_batches(raw):
            out.add(transport.send(batch, headers=headers))
            if out.failed:  # a 4xx (bad key) will not get better for the next batch
                break
        return out

    total = SendResult()
    try:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            for result in pool.map(send, visitors):
                total.add(result)
    finally:
        transport.close()
    return total
