"""The ad-hoc funnel's step events from silver (SPEC 4 ordered funnels), built from whitelisted
parts; `funnel_reach` finds each person's best attempt from them.

Why it looks like this (10 M silver events, 2 cores): one scan of silver marks which steps each
event matches (instead of one scan per step), as one small integer (bit k-1: step k); rows
matching no step are dropped in the scan; persons come as a 64-bit hash of the person (resolved
as gold does: IDENTIFIED) and times as epoch microseconds, integers that numpy sorts and
compares cheaply. A hash collision between two persons (odds ~1e-8 at a million persons) would
merge them: accepted. Silver's partitions
outside the date range are skipped (event_date is the hive partition column).
"""

from __future__ import annotations

from typing import Any

from dbt_project.plugins.funnels import glob_to_like
from streamlit_app.filters import NONE_LABEL

BASE_WHERE = (
    "project_id = $project and not is_bot and event_date >= $d0 and event_date <= $d1 "
    "and event_time >= $t0 and event_time < $t1"
)


# Persons as gold resolves them (dbt's resolve_person): a row's own user_id, else its visitor's
# first user_id among the project's human events (by event_time, event_id; any date), else the
# visitor_id. Not silver's person_id: a visitor's rows from before its first identify keep the
# visitor_id there until the daily person squash (docs/silver.md).
IDENTIFIED = (
    "select hash(visitor_id) as vh, hash(arg_min(user_id, (event_time, event_id))) as uh "
    "from events where project_id = $project and not is_bot and user_id is not null "
    "and user_id <> '' group by visitor_id"
)
# hash(NULL) is not NULL in DuckDB: the own user_id's hash only where there is one.
PERSON = "coalesce(case when user_id <> '' then hash(user_id) end, ids.uh, hash(visitor_id))"


def step_condition(i: int, event: str, path: str | None) -> tuple[str, dict[str, Any]]:
    """Step i's condition on a silver row's `event` and `path`, and its parameters (funnel_sorted
    evaluates the same condition over the path dictionary, so both paths match alike)."""
    params: dict[str, Any] = {f"e{i}": event}
    cond = f"event = $e{i}"
    if path:
        if any(c in path for c in "*?"):  # the funnel file's glob, matched as dbt does
            params[f"p{i}"] = glob_to_like(path)
            cond += f" and path like $p{i} escape '\\'"
        else:
            params[f"p{i}"] = path
            cond += f" and path = $p{i}"
    return cond, params


def build(
    steps: tuple[tuple[str, str | None], ...], column: str | None
) -> tuple[str, dict[str, Any]]:
    """SQL with one row per step event: pk (person hash), t (event_time: µs since the epoch in
    Arrow, read as int64 without a conversion), m (step bits) and, with a breakdown, b (the
    column's value, NULL as NONE_LABEL).

    `column` must come from a whitelist (queries.BREAKDOWN_COLUMNS); values are parameters.
    """
    params: dict[str, Any] = {}
    conds, bits = [], []
    for i, (event, path) in enumerate(steps, 1):
        cond, more = step_condition(i, event, path)
        params |= more
        conds.append(f"({cond})")
        bits.append(f"(case when {cond} then {1 << (i - 1)} else 0 end)")
    b = f", coalesce({column}, {NONE_LABEL!r}) as b" if column else ""
    sql = (
        f"with ids as ({IDENTIFIED}) "
        f"select {PERSON} as pk, event_time as t, ({' + '.join(bits)})::utinyint as m{b} "
        f"from events left join ids on ids.vh = hash(visitor_id) "
        f"where {BASE_WHERE} and ({' or '.join(conds)})"
    )
    return sql, params
