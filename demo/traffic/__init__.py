"""Synthetic but realistic traffic for the demo shop, posted through the real collector."""

from __future__ import annotations

import datetime as dt

from demo.traffic.journeys import Simulator, Visitor
from demo.traffic.post import post_visitors


def generate(
    visitors: int,
    days: int,
    seed: int,
    *,
    now: dt.datetime | None = None,
    site: str = "https://shop.example",
) -> list[Visitor]:
    """`visitors` simulated visitors over the `days` days before `now` (deterministic)."""
    if visitors < 1:
        raise ValueError("visitors must be at least 1")
    sim = Simulator(seed=seed, now=now or dt.datetime.now(dt.UTC), days=days, site=site)
    return [sim.visitor() for _ in range(visitors)]


__all__ = ["Simulator", "Visitor", "generate", "post_visitors"]
