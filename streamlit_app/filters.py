"""The Overview's filter state and the SQL WHERE fragments it becomes.

Column names come only from the DIMENSIONS whitelist below; every value a user picks becomes a
bound parameter (`$f_<key>`), never SQL text. Filters live in `st.query_params`, so a filtered
view is a shareable URL, as in Plausible.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

NONE_LABEL = "(none)"

# key in the URL → (label, column of gold sessions; None = a page of the session)
DIMENSIONS: dict[str, tuple[str, str | None]] = {
    "page": ("Page", None),
    "entry_page": ("Entry page", "entry_path"),
    "exit_page": ("Exit page", "exit_path"),
    "channel": ("Channel", "channel"),
    "referrer": ("Referrer", "referrer_host"),
    "source": ("UTM source", "utm_source"),
    "medium": ("UTM medium", "utm_medium"),
    "campaign": ("UTM campaign", "utm_campaign"),
    "browser": ("Browser", "browser"),
    "os": ("OS", "os"),
    "device": ("Device", "device_type"),
    "country": ("Country", "country"),
}

RANGES = ("Today", "Last 7 days", "Last 30 days", "Custom")


@dataclass(frozen=True)
class Filters:
    """A project, a half-open UTC time range [start, end) and dimension = value pairs."""

    project: str
    start: dt.datetime
    end: dt.datetime
    dims: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @property
    def previous(self) -> Filters:
        """The period of the same length just before this one (for deltas)."""
        span = self.end - self.start
        return Filters(self.project, self.start - span, self.start, self.dims)

    @property
    def bucket(self) -> str:
        """Hourly series up to two days, daily beyond."""
        return "hour" if self.end - self.start <= dt.timedelta(days=2) else "day"

    def with_dim(self, key: str, value: str) -> Filters:
        dims = dict(self.dims)
        dims[key] = value
        return Filters(self.project, self.start, self.end, tuple(sorted(dims.items())))


def period(choice: str, today: dt.date, custom: tuple[dt.date, dt.date] | None = None):
    """(start, end) datetimes in UTC for a range choice; end is exclusive."""
    midnight = dt.datetime.combine(today, dt.time(), tzinfo=dt.UTC)
    if choice == "Today":
        return midnight, midnight + dt.timedelta(days=1)
    if choice == "Last 7 days":
        return midnight - dt.timedelta(days=6), midnight + dt.timedelta(days=1)
    if choice == "Last 30 days":
        return midnight - dt.timedelta(days=29), midnight + dt.timedelta(days=1)
    first, last = custom or (today, today)
    first, last = min(first, last), max(first, last)
    start = dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC)
    return start, dt.datetime.combine(last, dt.time(), tzinfo=dt.UTC) + dt.timedelta(days=1)


def dims_from_params(params: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """Known dimension filters from URL query parameters; unknown keys are ignored."""
    out = {k: str(v) for k, v in params.items() if k in DIMENSIONS and str(v) != ""}
    return tuple(sorted(out.items()))


def _equals(column: str, key: str, value: str) -> str:
    """`coalesce(column, NONE_LABEL) = $f_key`, written so DuckDB can push it into the scan
    (the value itself stays a bound parameter; only the SQL's shape depends on it)."""
    if value == NONE_LABEL:
        return f"({column} is null or {column} = $f_{key})"
    return f"{column} = $f_{key}"


def session_conditions(f: Filters, alias: str = "s") -> tuple[str, dict[str, Any]]:
    """Dimension conditions on `sessions_h` (no time condition), with their parameters."""
    parts: list[str] = [f"{alias}.project_id = $project"]
    params: dict[str, Any] = {"project": f.project}
    for key, value in f.dims:
        column = DIMENSIONS[key][1]
        params[f"f_{key}"] = value
        if column is None:
            # by session_id's hash (idhash): a semi-join on integers, not strings
            parts.append(
                f"{alias}.sh in (select sh from page_views_h "
                f"where project_id = $project and {_equals('path', key, value)})"
            )
        else:
            parts.append(_equals(f"{alias}.{column}", key, value))
    return " and ".join(parts), params


def page_view_conditions(f: Filters, alias: str = "pv") -> tuple[str, dict[str, Any]]:
    """Conditions on gold page_views: the page filter on its path, session dimensions on the
    copies of them that every page view carries (no join with sessions)."""
    parts = [f"{alias}.project_id = $project"]
    params: dict[str, Any] = {"project": f.project}
    for key, value in f.dims:
        params[f"f_{key}"] = value
        parts.append(_equals(f"{alias}.{DIMENSIONS[key][1] or 'path'}", key, value))
    return " and ".join(parts), params
