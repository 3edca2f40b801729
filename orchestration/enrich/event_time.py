"""event_time per SPEC 3 (PostHog's rule), as DuckDB SQL over a whole batch.

- `sent_at` given: received_at − (sent_at − timestamp) (the client's clock offset cancels out);
- else the client `timestamp`; a time with no zone is UTC (the connection runs in UTC);
- more than 23 hours ahead of received_at: clamped to received_at;
- unparseable (or missing) timestamp: received_at, recorded in `event_time_source`.
ISO 8601 strings are parsed by DuckDB; bare epoch milliseconds ("1700000000000") are accepted too.
The same stored columns always give the same answer, so re-running enrichment recomputes it.
"""

from __future__ import annotations

MAX_AHEAD = "interval 23 hour"


def parse_ts(col: str) -> str:
    """SQL: the column parsed to TIMESTAMPTZ, NULL when unparseable."""
    return (
        f"coalesce(try_cast({col} as timestamptz), "
        f"case when regexp_full_match(trim({col}), '[0-9]{{11,14}}(\\.[0-9]+)?') "
        f"then to_timestamp(try_cast(trim({col}) as double) / 1000.0) end)"
    )


def select_columns(ts: str = '"timestamp"', sent_at: str = "sent_at") -> str:
    """SQL select items adding `_ts`, `_sa` (parsed) — use before `event_time_columns()`."""
    return f"{parse_ts(ts)} as _ts, {parse_ts(sent_at)} as _sa"


def event_time_columns() -> str:
    """SQL select items `event_time`, `event_time_source` from `_ts`, `_sa`, `received_at`."""
    raw = (
        "(case when _ts is null then received_at "
        "when _sa is not null then received_at - (_sa - _ts) else _ts end)"
    )
    clamped = f"{raw} > received_at + {MAX_AHEAD}"
    return (
        f"case when {clamped} then received_at else {raw} end as event_time, "
        f"case when _ts is null then 'received_fallback' when {clamped} then 'clamped' "
        "when _sa is not null then 'skew_corrected' else 'client' end as event_time_source"
    )
