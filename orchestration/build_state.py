"""What gold was last built from, so a micro-batch with nothing new skips dbt and publish.

After a successful dbt build + publish, `record()` writes the inputs (silver table versions,
funnel file and dbt project contents, lake and build paths) and every gold table's Delta
version to `build_state.json` next to dbt's DuckDB file. `is_current()` is true only when all
of those still match: new silver rows, an erasure (a silver delete commit), compaction, a
changed funnel file or model, a lost build file or a gold table written by anyone else all
force the full dbt build + publish again. A crash before `record()` leaves the old state, which
no longer matches silver, so the next run repairs gold.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from beaconlake.settings import get_settings
from lake.io import lake_root, open_table
from lake.registry import EVENTS, REPLAY_CHUNKS, TABLES

REPO = Path(__file__).resolve().parents[1]
CODE = [REPO / "dbt_project", REPO / "orchestration" / "publish.py", REPO / "lake" / "registry.py"]
CODE_SUFFIXES = {".sql", ".yml", ".yaml", ".py"}


def state_path() -> Path:
    return Path(get_settings().duckdb_path).resolve().parent / "build_state.json"


def _code_hash() -> str:
    h = hashlib.sha256()
    for root in CODE:
        files = [root] if root.is_file() else sorted(root.rglob("*"))
        for f in files:
            skip = {"target", "logs", "__pycache__"}.intersection(f.relative_to(REPO).parts)
            if f.is_file() and f.suffix in CODE_SUFFIXES and not skip:
                h.update(str(f.relative_to(REPO)).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def _version(table: Any, root: str | None) -> int | None:
    dt = open_table(table, root)
    return None if dt is None else dt.version()


def inputs(root: str | None = None) -> dict[str, Any]:
    """Everything dbt build + publish read: the same inputs give the same gold."""
    from orchestration.dbt_build import funnels_path

    settings = get_settings()
    funnels = funnels_path(settings)
    return {
        "lake": lake_root(root),
        "duckdb": str(Path(settings.duckdb_path).resolve()),
        "silver": {t.name: _version(t, root) for t in (EVENTS, REPLAY_CHUNKS)},
        "funnels": hashlib.sha256(funnels.read_bytes()).hexdigest() if funnels.exists() else None,
        "code": _code_hash(),
    }


def gold_versions(root: str | None = None) -> dict[str, int | None]:
    return {t.name: _version(t, root) for t in TABLES.values() if t.layer == "gold"}


def is_current(root: str | None = None) -> bool:
    """True when gold was published from exactly the current inputs and is untouched since."""
    path = state_path()
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError):
        return False
    if not Path(get_settings().duckdb_path).exists():
        return False
    return saved.get("inputs") == inputs(root) and saved.get("gold") == gold_versions(root)


def record(before: dict[str, Any], root: str | None = None) -> None:
    """Save `before` (the inputs read before dbt ran) with the gold versions just published."""
    path = state_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"inputs": before, "gold": gold_versions(root)}, indent=1))
    tmp.replace(path)


def forget() -> None:
    """Drop the state (before a build starts), so a crash mid-way can never look current."""
    state_path().unlink(missing_ok=True)
