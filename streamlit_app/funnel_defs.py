"""The funnel definitions (SPEC 4 YAML) for the dashboard's breakdowns, and its window input."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from dbt_project.plugins.funnels import FunnelError as FunnelError
from dbt_project.plugins.funnels import parse_funnels

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
DEFAULT_WINDOW_S = 14 * 86400


@dataclass(frozen=True)
class Funnel:
    name: str
    window_s: float
    steps: tuple[tuple[str, str | None], ...]


def parse_window(text: str | int | None) -> float:
    """'14d' → 1209600.0; a bare number is seconds; None is the default 14 days."""
    if text is None:
        return float(DEFAULT_WINDOW_S)
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", str(text))
    if not m:
        raise ValueError(f"bad funnel window {text!r}: use a number and s, m, h or d")
    return float(m.group(1)) * _UNITS[m.group(2) or "s"]


def load(path: Path) -> list[Funnel]:
    """Funnels from the YAML file, parsed as dbt parses it (a missing file means none; a
    malformed one raises FunnelError, whose message says where)."""
    if not path.is_file():
        return []
    return [
        Funnel(f.name, float(f.window_s), tuple((s.event, s.path) for s in f.steps))
        for f in parse_funnels(path)
    ]
