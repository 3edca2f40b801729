"""Read the funnel definitions (SPEC 4 YAML) so the dashboard can break configured funnels down."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

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
    """Funnels from the YAML file; a missing file means none."""
    if not path.is_file():
        return []
    doc = yaml.safe_load(path.read_text()) or {}
    out = []
    for item in doc.get("funnels") or []:
        steps = tuple((str(s["event"]), s.get("path")) for s in item.get("steps") or [])
        out.append(Funnel(str(item["name"]), parse_window(item.get("window")), steps))
    return out
