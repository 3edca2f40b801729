"""Search every file under a directory for strings, reading inside Parquet files.

Raw bytes are not enough: Snappy/Zstd-compressed Parquet pages can hide a string, so every
Parquet file is also decoded (all values, nested ones included, and column min/max stats).
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq


def _parquet_text(path: Path) -> str:
    pf = pq.ParquetFile(path)
    parts = [json.dumps(pf.read().to_pylist(), default=str, ensure_ascii=False)]
    meta = pf.metadata
    for rg in range(meta.num_row_groups):
        for col in range(meta.num_columns):
            stats = meta.row_group(rg).column(col).statistics
            if stats is not None and stats.has_min_max:
                parts.append(f"{stats.min!r} {stats.max!r}")
    return "\n".join(parts)


def find(root: Path | str, needles: list[str]) -> dict[str, list[str]]:
    """needle → files (relative to root) that contain it, as bytes or as a Parquet value."""
    root = Path(root)
    hits: dict[str, list[str]] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        text = data.decode("utf-8", "replace")
        if path.suffix == ".parquet":
            text += _parquet_text(path)
        for needle in needles:
            if needle.encode() in data or needle in text:
                hits.setdefault(needle, []).append(str(path.relative_to(root)))
    return hits


def parquet_files(root: Path | str) -> list[Path]:
    return sorted(Path(root).rglob("*.parquet"))
