"""The ad-hoc funnel's SQL (SPEC 4 ordered funnels on silver), built from whitelisted parts.

Why it looks like this (10 M silver events, 2 cores): one scan of silver marks which steps
each event matches (instead of one scan per step); persons are joined by a 64-bit hash of
person_id and times compared as epoch microseconds (ASOF joins and aggregations on integers,
not strings: several times cheaper); each person's best attempt is picked by an aggregate
(`arg_max`), not a window sort; and one GROUP BY yields every step's figures. A hash collision
between two persons (odds ~1e-8 at a million persons) would merge them: accepted.
"""

from __future__ import annotations

from typing import Any

from streamlit_app.filters import NONE_LABEL

BASE_WHERE = (
    "project_id = $project and not is_bot and event_date >= $d0 and event_date <= $d1 "
    "and event_time >= $t0 and event_time < $t1"
)


def build(
    steps: tuple[tuple[str, str | None], ...], window_s: float, column: str | None
) -> tuple[str, dict[str, Any]]:
    """SQL with one row per breakdown value: persons p1..pn and median seconds m2..mn.

    `column` must come from a whitelist (queries.BREAKDOWN_COLUMNS); values are parameters.
    """
    params: dict[str, Any] = {"window_us": round(window_s * 1_000_000)}
    marks = []
    for i, (event, path) in enumerate(steps, 1):
        params[f"e{i}"] = event
        cond = f"event = $e{i}"
        if path:
            params[f"p{i}"] = path
            cond += f" and path {'glob' if any(c in path for c in '*?[') else '='} $p{i}"
        marks.append(f"coalesce({cond}, false) as m{i}")
    b = f"coalesce({column}, {NONE_LABEL!r})" if column else "null::varchar"
    n = len(steps)
    ctes = [
        "base as materialized (select hash(person_id) as pk, epoch_us(event_time) as t, "
        f"{b} as b, {', '.join(marks)} from events where {BASE_WHERE} "
        f"and ({' or '.join(f'event = $e{i}' for i in range(1, n + 1))}))",
        "a1 as (select pk, b, t as t1 from base where m1)",
    ]
    for i in range(2, n + 1):
        prev = f"a{i - 1}"
        ctes.append(
            f"s{i} as (select pk, t from base where m{i}),\n"
            f"a{i} as (select {prev}.*, case when s{i}.t <= {prev}.t1 + $window_us "
            f"then s{i}.t end as t{i} from {prev} asof left join s{i} "
            f"on {prev}.pk = s{i}.pk and {prev}.t{i - 1} < s{i}.t)"
        )
    level = " + ".join(["1"] + [f"(t{i} is not null)::int" for i in range(2, n + 1)])
    times = ", ".join(["b"] + [f"t{i}" for i in range(1, n + 1)])
    # the attempt reaching furthest, the latest of those (PostHog: time to convert)
    ctes.append(
        f"scored as (select pk, {level} as level, {times} from a{n}),\n"
        f"best as (select pk, max(level) as level, "
        f"arg_max(struct_pack({times}), struct_pack(level, t1)) as att from scored group by pk)"
    )
    figures = [f"count(*) filter (level >= {k}) as p{k}" for k in range(1, n + 1)]
    figures += [
        f"median((att.t{k} - att.t{k - 1}) / 1e6) filter (level >= {k}) as m{k}"
        for k in range(2, n + 1)
    ]
    sql = "with " + ",\n".join(ctes) + f"\nselect att.b as breakdown, {', '.join(figures)} "
    sql += "from best group by 1"
    return sql, params
