"""Per-project token buckets (per worker): a flood from one site gets 429, others are served."""

from __future__ import annotations

import time


class RateLimiter:
    def __init__(self, rate_per_s: float, burst: float) -> None:
        self.rate = rate_per_s
        self.burst = burst
        self._buckets: dict[str, tuple[float, float]] = {}  # project -> (tokens, last time)

    def allow(self, project_id: str, n: int) -> bool:
        """Take n tokens from the project's bucket; False (take none) when there are too few."""
        now = time.monotonic()
        tokens, last = self._buckets.get(project_id, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens < n:
            self._buckets[project_id] = (tokens, now)
            return False
        self._buckets[project_id] = (tokens - n, now)
        return True
