"""Write keys → project, cached in memory and reloaded when the key table's version moves."""

from __future__ import annotations

import asyncio
import logging
import time

from lake import keys

log = logging.getLogger("beaconlake.collector")

SECRET_PREFIX = keys.KEY_PREFIX["secret"]
UNKNOWN_KEY_RELOAD_S = 1.0  # an unknown key may be brand new: reload, but at most this often


class KeyRing:
    def __init__(self, refresh_s: float) -> None:
        self.refresh_s = refresh_s
        self._by_hash: dict[str, str] = {}
        self._version = -2
        self._checked = 0.0
        self._lock = asyncio.Lock()
        self._cache: dict[str, str] = {}  # key → project (avoids hashing every request)

    def load(self) -> None:
        """Blocking reload if the key table moved (run in a thread from async code)."""
        started = time.monotonic()  # what this reload sees is at least as new as this
        v = keys.keys_version()
        if v != self._version:
            self._by_hash = keys.load_keys("write")
            self._cache = {}
            self._version = v
        self._checked = started

    async def refresh(self) -> None:
        async with self._lock:
            await self._reload()

    async def _reload(self) -> None:
        try:
            await asyncio.to_thread(self.load)
        except Exception as e:
            log.warning("key_reload_failed", extra={"fields": {"error": type(e).__name__}})
            self._checked = time.monotonic()

    async def _reload_for_unknown(self, arrived: float) -> None:
        """An unknown key may be brand new: reload, at most once a second. Requests that wait
        share the next reload (any reload that started after they arrived answers them)."""
        async with self._lock:
            if self._checked >= arrived:
                return
            wait = self._checked + UNKNOWN_KEY_RELOAD_S - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            await self._reload()

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.refresh_s)
            await self.refresh()

    async def project_for(self, key: str) -> str | None:
        project = self._cache.get(key)
        if project is not None:
            return project
        h = keys.hash_key(key)
        project = self._by_hash.get(h)
        if project is None:
            await self._reload_for_unknown(time.monotonic())
            project = self._by_hash.get(h)
        if project is not None and len(self._cache) < 10_000:
            self._cache[key] = project
        return project
