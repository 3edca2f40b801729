"""POST batches to the collector: gzip when large, retry what may succeed later, never a 4xx.

Retried: network errors, 5xx (the lake could not be written) and 429 (rate limit; the same
request succeeds once the project's rate drops), with exponential backoff and jitter, honouring
Retry-After. Never retried: other 4xx (bad key, bad body), since resending cannot fix them. A 413
splits the batch in half, in case the collector's limits are set lower than the SDK's.
A retry resends the same event_ids with a new `sent_at`, so nothing is counted twice.
"""

from __future__ import annotations

import gzip
import logging
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx

from beaconlake_sdk.envelope import body, iso_utc
from beaconlake_sdk.version import LIB_NAME, __version__

log = logging.getLogger("beaconlake_sdk")


@dataclass
class SendResult:
    """What became of one batch (and of its halves, if a 413 split it)."""

    sent: int = 0  # events in batches the collector answered 200 to
    accepted: int = 0
    rejected: int = 0  # failed validation; the collector keeps them in rejected_events
    failed: int = 0  # given up on: 4xx, or retries exhausted
    requests: int = 0
    retries: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: SendResult) -> None:
        self.sent += other.sent
        self.accepted += other.accepted
        self.rejected += other.rejected
        self.failed += other.failed
        self.requests += other.requests
        self.retries += other.retries
        self.errors += other.errors


class Transport:
    """One collector endpoint and write key; thread-safe (httpx.Client is)."""

    def __init__(
        self,
        api_key: str,
        host: str,
        *,
        timeout: float = 10.0,
        max_retries: int = 5,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        gzip_min_bytes: int = 2048,
        headers: Mapping[str, str] | None = None,
        http: httpx.Client | None = None,
    ) -> None:
        if not api_key:
            raise ValueError("an api key is required")
        self.api_key = api_key
        self.url = host.rstrip("/") + "/v1/events"
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.gzip_min_bytes = gzip_min_bytes
        self.headers = {"User-Agent": f"{LIB_NAME}/{__version__}", **(headers or {})}
        self._own_http = http is None
        self.http = http or httpx.Client(timeout=timeout)
        # Set by a shutdown that ran out of time: stop sleeping between retries.
        self.abort = threading.Event()
        # Live counters (a SendResult is only returned once its batch is settled).
        self._lock = threading.Lock()
        self.retries_total = 0
        self.last_error: str | None = None

    def close(self) -> None:
        if self._own_http:
            self.http.close()

    def backoff(self, attempt: int, retry_after: float | None = None) -> float:
        """Exponential with equal jitter: at least half the step, so retries spread but wait."""
        step = min(self.backoff_max, self.backoff_base * 2**attempt)
        delay = step / 2 + random.uniform(0, step / 2)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.backoff_max))
        return delay

    def send(self, events: list[bytes], headers: Mapping[str, str] | None = None) -> SendResult:
        """Send one batch of serialized events until it lands or cannot."""
        result = SendResult()
        attempt = 0
        while True:
            payload = body(self.api_key, events, iso_utc())
            hdrs = {**self.headers, **(headers or {}), "Content-Type": "application/json"}
            if len(payload) >= self.gzip_min_bytes:
                payload = gzip.compress(payload, compresslevel=6)
                hdrs["Content-Encoding"] = "gzip"
            result.requests += 1
            retry_after: float | None = None
            try:
                resp = self.http.post(self.url, content=payload, headers=hdrs)
            except httpx.TransportError as exc:  # refused, reset, timeout: may succeed later
                error = f"network error: {type(exc).__name__}: {exc}"
            else:
                if resp.status_code == 200:
                    result.sent += len(events)
                    try:
                        answer = resp.json()
                        result.accepted += int(answer.get("accepted", len(events)))
                        result.rejected += int(answer.get("rejected", 0))
                    except (ValueError, AttributeError, TypeError):
                        result.accepted += len(events)
                    return result
                error = f"HTTP {resp.status_code}: {resp.text[:200]}"
                if resp.status_code == 413 and len(events) > 1:
                    half = len(events) // 2
                    result.add(self.send(events[:half], headers))
                    result.add(self.send(events[half:], headers))
                    return result
                if resp.status_code < 500 and resp.status_code != 429:
                    log.warning(
                        "beaconlake: %d events refused, not retried: %s", len(events), error
                    )
                    result.failed += len(events)
                    result.errors.append(error)
                    return result
                retry_after = _retry_after(resp)
            result.errors.append(error)
            if attempt >= self.max_retries or self.abort.is_set():
                log.warning(
                    "beaconlake: %d events lost after %d tries: %s", len(events), attempt + 1, error
                )
                result.failed += len(events)
                return result
            delay = self.backoff(attempt, retry_after)
            log.info("beaconlake: %s; retry in %.2fs", error, delay)
            attempt += 1
            result.retries += 1
            with self._lock:
                self.retries_total += 1
                self.last_error = error
            if self.abort.wait(delay):
                result.failed += len(events)
                return result


def _retry_after(resp: httpx.Response) -> float | None:
    value = resp.headers.get("Retry-After")
    try:
        return None if value is None else max(0.0, float(value))
    except ValueError:
        return None
