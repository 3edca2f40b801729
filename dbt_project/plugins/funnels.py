"""Parse the funnel YAML (SPEC 4) into one row per funnel step, with a clear error on bad input.

The one parser of the file: dbt's source rows (`load_funnels`) and the dashboard's breakdowns
(`parse_funnels`, via streamlit_app.funnel_defs) read the same definitions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml

DEFAULT_WINDOW = "14d"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

FUNNEL_STEPS_SCHEMA = pa.schema(
    [
        ("funnel", pa.string()),
        ("step", pa.int64()),
        ("step_name", pa.string()),
        ("event_name", pa.string()),
        ("path_pattern", pa.string()),  # SQL LIKE pattern, escape '\'; NULL: any path
        ("window_s", pa.int64()),
    ]
)


class FunnelError(ValueError):
    """The funnel file is malformed; the message says where."""


def parse_window(text: str | int) -> int:
    """'14d' -> seconds. Units s, m, h, d; a bare number is seconds."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text
    m = re.fullmatch(r"\s*(\d+)\s*([smhd]?)\s*", str(text))
    if not m:
        raise FunnelError(f"window {text!r}: expected a number with unit s, m, h or d")
    return int(m.group(1)) * _UNITS[m.group(2) or "s"]


def glob_to_like(path: str) -> str:
    """A path glob ('*' any characters, '?' one) as a LIKE pattern with '\\' as escape."""
    out = []
    for ch in path:
        if ch in "%_\\":
            out.append("\\" + ch)
        elif ch == "*":
            out.append("%")
        elif ch == "?":
            out.append("_")
        else:
            out.append(ch)
    return "".join(out)


@dataclass(frozen=True)
class Step:
    event: str
    path: str | None  # exact path or glob ('*', '?'); None: any path
    name: str


@dataclass(frozen=True)
class FunnelDef:
    name: str
    window_s: int
    steps: tuple[Step, ...]


def parse_funnels(path: Path) -> list[FunnelDef]:
    """Every funnel in the file, validated; a missing or malformed file is a FunnelError."""
    try:
        doc = yaml.safe_load(Path(path).read_text()) or {}
    except FileNotFoundError:
        raise FunnelError(f"funnel file {path} does not exist") from None
    except yaml.YAMLError as e:
        raise FunnelError(f"funnel file {path} is not valid YAML: {e}") from None
    funnels = doc.get("funnels") if isinstance(doc, dict) else None
    if not isinstance(funnels, list):
        raise FunnelError(f"{path}: expected a top-level list 'funnels'")
    out: list[FunnelDef] = []
    for i, f in enumerate(funnels):
        where = f"{path}: funnels[{i}]"
        if not isinstance(f, dict) or not isinstance(f.get("name"), str) or not f["name"]:
            raise FunnelError(f"{where}: every funnel needs a name")
        name = f["name"]
        if name in {d.name for d in out}:
            raise FunnelError(f"{where}: funnel {name!r} is defined twice")
        window = parse_window(f.get("window", DEFAULT_WINDOW))
        steps = f.get("steps")
        if not isinstance(steps, list) or not steps:
            raise FunnelError(f"{where} ({name}): 'steps' must be a non-empty list")
        parsed = []
        for k, s in enumerate(steps, start=1):
            if not isinstance(s, dict) or not isinstance(s.get("event"), str) or not s["event"]:
                raise FunnelError(f"{where} ({name}) step {k}: needs an 'event' name")
            p = s.get("path")
            if p is not None and not isinstance(p, str):
                raise FunnelError(f"{where} ({name}) step {k}: 'path' must be text")
            label = s.get("name") or (f"{s['event']} {p}" if p else s["event"])
            parsed.append(Step(s["event"], p or None, str(label)))
        out.append(FunnelDef(name, window, tuple(parsed)))
    return out


def load_funnels(path: Path) -> list[dict[str, Any]]:
    """Rows of FUNNEL_STEPS_SCHEMA for every funnel in the file; a missing file is an error."""
    return [
        {
            "funnel": f.name,
            "step": k,
            "step_name": s.name,
            "event_name": s.event,
            "path_pattern": glob_to_like(s.path) if s.path else None,
            "window_s": f.window_s,
        }
        for f in parse_funnels(path)
        for k, s in enumerate(f.steps, start=1)
    ]
