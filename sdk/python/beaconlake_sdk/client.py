"""The server-side client: `capture` never blocks on the network; a background thread sends.

Events wait in a bounded in-memory queue; a worker thread sends them in batches within the
collector's limits (500 events, 1 MiB) every `flush_interval` seconds or as soon as `flush_at`
are waiting. When the queue is full the oldest (or, if chosen, the newest) event is dropped and
counted, so a dead collector costs bounded memory, never a blocked request handler.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from beaconlake_sdk import envelope
from beaconlake_sdk.transport import SendResult, Transport

log = logging.getLogger("beaconlake_sdk")


@dataclass(frozen=True)
class Stats:
    """Counters since the client started: what a caller checks to know nothing was lost."""

    queued: int  # waiting in memory now
    sent: int  # delivered (accepted + rejected by validation)
    accepted: int
    rejected: int
    dropped: int  # queue full or event too large to ever send
    failed: int  # refused (4xx) or retries exhausted
    requests: int
    retries: int  # counted as they happen, also while a batch is still being retried


class Client:
    """A BeaconLake client bound to one write key (one project) and one collector."""

    def __init__(
        self,
        key: str,
        host: str = "http://127.0.0.1:8000",
        *,
        flush_at: int = 100,
        flush_interval: float = 1.0,
        max_queue_size: int = 10_000,
        on_full: Literal["drop_oldest", "drop_new"] = "drop_oldest",
        timeout: float = 10.0,
        max_retries: int = 5,
        gzip_min_bytes: int = 2048,
        max_batch_events: int = envelope.MAX_BATCH_EVENTS,
        max_batch_bytes: int = envelope.MAX_BODY_BYTES,
        headers: Mapping[str, str] | None = None,
        flush_at_exit: bool = True,
        exit_timeout: float = 10.0,
    ) -> None:
        if on_full not in ("drop_oldest", "drop_new"):
            raise ValueError("on_full must be 'drop_oldest' or 'drop_new'")
        if max_queue_size < 1 or flush_at < 1:
            raise ValueError("max_queue_size and flush_at must be at least 1")
        self.transport = Transport(
            key,
            host,
            timeout=timeout,
            max_retries=max_retries,
            gzip_min_bytes=gzip_min_bytes,
            headers=headers,
        )
        self.flush_at = flush_at
        self.flush_interval = flush_interval
        self.max_queue_size = max_queue_size
        self.on_full = on_full
        self.max_batch_events = min(max_batch_events, envelope.MAX_BATCH_EVENTS)
        self.max_batch_bytes = min(max_batch_bytes, envelope.MAX_BODY_BYTES)
        self.exit_timeout = exit_timeout
        self._queue: deque[bytes] = deque()
        self._cond = threading.Condition()
        self._enqueued = 0  # events ever queued
        self._done = 0  # events sent, failed or dropped after queueing (FIFO, so flush can wait)
        self._flush_target = 0
        self._closed = False
        self._totals = SendResult()
        self._dropped = 0
        self._thread = threading.Thread(target=self._run, name="beaconlake-sdk", daemon=True)
        self._thread.start()
        self._atexit = flush_at_exit
        if flush_at_exit:
            atexit.register(self._at_exit)

    # -- public API ---------------------------------------------------------------------------

    def capture(
        self,
        event: str,
        distinct_id: str | None = None,
        properties: Mapping[str, Any] | None = None,
        *,
        visitor_id: str | None = None,
        user_id: str | None = None,
        session_id: str | None = None,
        timestamp: dt.datetime | str | None = None,
        url: str | None = None,
        referrer: str | None = None,
        title: str | None = None,
        event_id: str | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> str:
        """Queue one event and return its event_id. `distinct_id` is the visitor_id."""
        ev = envelope.make_event(
            event,
            visitor_id=visitor_id or distinct_id,
            user_id=user_id,
            session_id=session_id,
            properties=properties,
            timestamp=timestamp,
            url=url,
            referrer=referrer,
            title=title,
            event_id=event_id,
            context=context,
        )
        self._enqueue(envelope.dumps(ev))
        return ev["event_id"]

    def identify(
        self,
        user_id: str,
        traits: Mapping[str, Any] | None = None,
        visitor_id: str | None = None,
        *,
        timestamp: dt.datetime | str | None = None,
        session_id: str | None = None,
    ) -> str:
        """Tie `visitor_id` to `user_id` from now on (SPEC: an `identify` event; traits as
        properties) and return its event_id."""
        if not user_id:
            raise ValueError("identify needs a user_id")
        return self.capture(
            "identify",
            properties=traits,
            visitor_id=visitor_id,
            user_id=user_id,
            session_id=session_id,
            timestamp=timestamp,
        )

    def flush(self, timeout: float | None = None) -> bool:
        """Send everything queued before this call; True when all of it was dealt with
        (sent, or given up on: see `stats`) within `timeout`."""
        with self._cond:
            target = self._enqueued
            self._flush_target = max(self._flush_target, target)
            self._cond.notify_all()
            deadline = None if timeout is None else time.monotonic() + timeout
            while self._done < target and self._thread.is_alive():
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return self._done >= target

    def shutdown(self, timeout: float | None = None) -> bool:
        """Flush, then stop the worker thread; True when nothing queued was left behind."""
        with self._cond:
            if self._closed:
                return not self._queue
            self._closed = True
            self._cond.notify_all()
        self._thread.join(timeout)
        if self._thread.is_alive():  # out of time: stop retrying, count what is left
            self.transport.abort.set()
            self._thread.join(1.0)
        if self._atexit:
            atexit.unregister(self._at_exit)
        self.transport.close()
        with self._cond:
            lost = len(self._queue)
            if lost:
                log.warning("beaconlake: %d events not sent at shutdown", lost)
            return lost == 0

    close = shutdown

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown(self.exit_timeout)

    @property
    def last_errors(self) -> list[str]:
        """The latest send errors (HTTP status and body, or the network error)."""
        with self._cond:
            return list(self._totals.errors)

    @property
    def stats(self) -> Stats:
        with self._cond:
            t = self._totals
            return Stats(
                queued=len(self._queue),
                sent=t.sent,
                accepted=t.accepted,
                rejected=t.rejected,
                dropped=self._dropped,
                failed=t.failed,
                requests=t.requests,
                retries=self.transport.retries_total,
            )

    # -- internals ----------------------------------------------------------------------------

    def _enqueue(self, raw: bytes) -> None:
        with self._cond:
            if self._closed:  # e.g. a late capture from another atexit hook: never crash the app
                self._dropped += 1
                log.warning("beaconlake: capture after shutdown, event dropped")
                return
            if not envelope.fits(raw, self.max_batch_bytes):
                self._dropped += 1
                log.warning(
                    "beaconlake: event of %d bytes is over the size limit, dropped", len(raw)
                )
                return
            if len(self._queue) >= self.max_queue_size:
                self._dropped += 1
                if self.on_full == "drop_new":
                    return
                self._queue.popleft()
                self._done += 1
            self._queue.append(raw)
            self._enqueued += 1
            if len(self._queue) == 1 or len(self._queue) >= self.flush_at:
                self._cond.notify_all()  # wake the idle worker, or send a full batch now

    def _take_batch(self) -> list[bytes]:
        """Up to the batch limits from the head of the queue (caller holds the lock)."""
        budget = self.max_batch_bytes - 512
        batch: list[bytes] = []
        size = 0
        while self._queue and len(batch) < self.max_batch_events:
            n = len(self._queue[0]) + 1
            if batch and size + n > budget:
                break
            batch.append(self._queue.popleft())
            size += n
        return batch

    def _run(self) -> None:
        while True:
            with self._cond:
                deadline = time.monotonic() + self.flush_interval
                while not self._closed and self._done >= self._flush_target:
                    if not self._queue:  # idle: sleep until an event (or flush, shutdown)
                        self._cond.wait()
                        deadline = time.monotonic() + self.flush_interval
                        continue
                    remaining = deadline - time.monotonic()
                    if len(self._queue) >= self.flush_at or remaining <= 0:
                        break
                    self._cond.wait(remaining)
                if not self._queue:
                    if self._closed:
                        return
                    continue
                batch = self._take_batch()
            result = self._send(batch)
            with self._cond:
                self._totals.add(result)
                del self._totals.errors[:-10]  # keep the latest few, not a growing log
                self._done += len(batch)
                self._cond.notify_all()

    def _send(self, batch: list[bytes]) -> SendResult:
        try:
            return self.transport.send(batch)
        except Exception as exc:  # never let the worker die: count and go on
            log.exception("beaconlake: unexpected error sending %d events", len(batch))
            return SendResult(failed=len(batch), errors=[repr(exc)])

    def _at_exit(self) -> None:
        self.shutdown(self.exit_timeout)
