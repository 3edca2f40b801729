"""Exports of table rows: CSV safe to open in a spreadsheet, and Parquet."""

from __future__ import annotations

import io

import pandas as pd

# A cell starting with one of these is a formula to Excel/LibreOffice (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(df: pd.DataFrame) -> pd.DataFrame:
    """Prefix a ' to text cells that a spreadsheet would run as a formula."""
    out = df.copy()
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].map(
                lambda v: "'" + v if isinstance(v, str) and v.startswith(FORMULA_STARTS) else v
            )
    return out


def to_csv(df: pd.DataFrame) -> bytes:
    return neutralise(df).to_csv(index=False).encode()


def to_parquet(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return buf.getvalue()
