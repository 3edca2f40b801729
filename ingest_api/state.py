"""Everything one collector process holds: settings, keys, limits, buffer, metrics, salt."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import time
import uuid

import pyarrow as pa

from beaconlake.settings import Settings
from ingest_api.committer import Committer
from ingest_api.fastpath import make_decoder
from ingest_api.keyring import KeyRing
from ingest_api.logs import RequestLog
from ingest_api.metrics import Metrics
from ingest_api.privacy import parse_networks
from ingest_api.ratelimit import RateLimiter
from ingest_api.salts import salt_for
from ingest_api.validate import STEPS, Limits
from lake import io
from lake.registry import RAW_EVENTS, REJECTED_EVENTS

log = logging.getLogger("beaconlake.collector")

PROBE_CACHE_S = 1.0


class CollectorState:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.metrics = Metrics()
        self.request_log = RequestLog()
        self.limits = Limits(
            max_string_chars=settings.max_string_chars,
            max_depth=settings.max_depth,
            max_properties_bytes=settings.max_properties_bytes,
        )
        self.steps = list(STEPS)
        self.fast_decoder = make_decoder(self.limits, settings.max_batch_events)
        self.keys = KeyRing(settings.key_refresh_s)
        self.rate = RateLimiter(settings.rate_limit_events_per_s, settings.rate_limit_burst)
        self.trusted = parse_networks(settings.trusted_proxies)
        self.committer: Committer | None = None
        self.salt_day: dt.date | None = None
        self.salt: bytes = os.urandom(32)  # replaced by the lake's shared salt at startup
        self._salt_task: asyncio.Task | None = None
        self._probe: tuple[float, bool] = (0.0, False)

    @property
    def draining(self) -> bool:
        return self.committer is None or self.committer.draining

    def new_committer(self) -> Committer:
        s = self.settings
        self.committer = Committer(
            interval_s=s.flush_interval_ms / 1000,
            max_events=s.flush_max_events,
            min_gap_s=s.flush_min_gap_ms / 1000,
            buffer_max=s.buffer_max_events,
            timeout_s=s.commit_timeout_s,
            metrics=self.metrics,
        )
        return self.committer

    def prepare_lake(self) -> None:
        """Create the bronze tables up front (blocking) so the first commit is a plain append."""
        for t in (RAW_EVENTS, REJECTED_EVENTS):
            io.ensure_table(t)

    @staticmethod
    def warm_up() -> None:
        """pa.array imports pandas on first use (seconds): pay that at startup, not in a commit."""
        pa.array([dt.datetime.now(dt.UTC)], type=RAW_EVENTS.schema.field("received_at").type)

    async def refresh_salt(self) -> None:
        today = dt.datetime.now(dt.UTC).date()
        if self.salt_day == today:
            return
        try:
            self.salt = await asyncio.to_thread(salt_for, today)
            self.salt_day = today
        except Exception as e:
            log.warning("salt_unavailable", extra={"fields": {"error": type(e).__name__}})

    def current_salt(self, today: dt.date | None = None) -> bytes:
        """Today's salt (`today`: the request's UTC date, so the hot path reads the clock once);
        at day change, keep yesterday's until the new one is loaded."""
        today = today or dt.datetime.now(dt.UTC).date()
        if self.salt_day != today and (self._salt_task is None or self._salt_task.done()):
            self._salt_task = asyncio.get_running_loop().create_task(self.refresh_salt())
        return self.salt

    def writable(self) -> bool:
        """A real write check, cached for a second: create and remove a file where commits go."""
        now = time.monotonic()
        if now - self._probe[0] < PROBE_CACHE_S:
            return self._probe[1]
        ok = self._probe_lake()
        self._probe = (now, ok)
        return ok

    def _probe_lake(self) -> bool:
        if not io.is_local():
            # Object stores: no cheap write check through delta-rs; trust the last commit.
            return self.committer is not None and self.committer.last_ok is not False
        try:
            log_dir = os.path.join(io.table_uri(RAW_EVENTS), "_delta_log")
            if not os.path.isdir(log_dir):
                self.prepare_lake()
            path = os.path.join(log_dir, f".probe-{uuid.uuid4().hex}")
            with open(path, "wb") as f:
                f.write(b"probe")
            os.remove(path)
            return True
        except Exception:
            return False
