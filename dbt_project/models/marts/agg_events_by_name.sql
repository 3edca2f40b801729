{#- Breakdown `events_by_name`: human events by UTC day and event name, with distinct visitors
    and persons. Incremental: the days in int_touched_person_days (days of new events, and of
    visitors whose identity changed: a person can change without new events on the day) are
    replaced (replace_scope: macros/incremental_marts.sql). The days of new events are
    recomputed from all their events. On the other days only `persons` can change, and only
    for the persons a changed identity moved events from or to ("moved"): every other person
    has the same events as before. So their persons = the table's previous figure - the moved
    persons counted with the identities before + those counted now, from the events of the
    few visitors that can resolve to a moved person, instead of every event of every day (a
    first identify of a visitor active on every day made that a full recount). That needs the
    table as of the marts' last build (built_with_state: not when a later run built it but
    another mart failed); otherwise the scope days are recomputed from all their events. -#}
{{
    config(
        alias='events_by_name',
        materialized='incremental',
        incremental_strategy='replace_scope',
        unique_key=['project_id', 'day'],
        meta={'scope': 'int_touched_person_days'},
        post_hook="{{ mark_built() }}",
    )
}}
{%- set since = mart_loaded_until() if is_incremental() else none %}
{%- set shift = since is not none and built_with_state() %}
{%- if execute and since is not none and not shift %}
    {% do log("agg_events_by_name: not built with the mart state, its scope days recomputed",
        info=true) %}
{%- endif %}
{%- set columns = ['project_id', 'event_time', 'event_name', 'visitor_id', 'resolved_person_id'] %}

with int_events_persons as not materialized (
    select * from {{ ref('int_events_persons') }}
),

int_touched_person_days as not materialized (
    select * from {{ ref('int_touched_person_days') }}
),

int_events_sessionized as not materialized (
    select * from {{ ref('int_events_sessionized') }}
),

int_identity as not materialized (
    select * from {{ ref('int_identity') }}
),

int_reidentified_visitors as not materialized (
    select * from {{ ref('int_reidentified_visitors') }}
),

{% if not shift %}
events as (
    {{
        rows_on_scope_days(
            'int_events_persons', 'event_time', 'int_touched_person_days', mart_in_scope(),
            columns,
        )
    }}
)

select
    project_id,
    cast(timezone('UTC', event_time) as date) as day,
    event_name as event,
    cast(count(*) as bigint) as events,
    cast(count(distinct visitor_id) as bigint) as visitors,
    cast(count(distinct resolved_person_id) as bigint) as persons
from events
group by project_id, day, event_name
{% else %}
new_days as (
    select distinct project_id, cast(timezone('UTC', event_time) as date) as day
    from int_events_sessionized
    where _first_loaded_at > {{ since }}
),

fresh_events as (
    {{ rows_on_scope_days('int_events_persons', 'event_time', 'new_days', true, columns) }}
),

fresh as (
    select
        project_id,
        cast(timezone('UTC', event_time) as date) as day,
        event_name as event,
        count(*) as events,
        count(distinct visitor_id) as visitors,
        count(distinct resolved_person_id) as persons
    from fresh_events
    group by project_id, day, event_name
),

moved as (
    -- each reidentified visitor's events go from its identity before (or itself) to its
    -- identity now (or itself); a distinct set, so the joins below do not duplicate rows
    select project_id, coalesce(person_before, visitor_id) as person_id
    from int_reidentified_visitors
    union
    select project_id, coalesce(person_now, visitor_id)
    from int_reidentified_visitors
),

candidates as (
    -- visitors with an event that resolves (macros/resolve_person.sql) to a moved person now
    -- or resolved to one before: the person as visitor, its visitors by identity now or
    -- before (the reidentified), events carrying its user_id
    select project_id, person_id as visitor_id from moved
    union
    select project_id, visitor_id from int_reidentified_visitors
    union
    select i.project_id, i.visitor_id
    from int_identity as i
    semi join moved as m on m.project_id = i.project_id and m.person_id = i.person_id
    union
    select e.project_id, e.visitor_id
    from int_events_sessionized as e
    semi join moved as m on m.project_id = e.project_id and m.person_id = e.user_id
),

candidate_events as (
    select
        e.project_id,
        cast(timezone('UTC', e.event_time) as date) as day,
        e.event_name,
        {{ resolve_person('e.user_id', 'e.visitor_id', 'i.person_id') }} as person_now,
        {{
            resolve_person(
                'e.user_id', 'e.visitor_id',
                'if(r.visitor_id is null, i.person_id, r.person_before)',
            )
        }} as person_before
    from int_events_sessionized as e
    semi join candidates as c on c.project_id = e.project_id and c.visitor_id = e.visitor_id
    left join int_identity as i
        on i.project_id = e.project_id and i.visitor_id = e.visitor_id
    left join int_reidentified_visitors as r
        on r.project_id = e.project_id and r.visitor_id = e.visitor_id
),

shifts as (
    -- on days without new events (every such event was there at the last build)
    select
        c.project_id,
        c.day,
        c.event_name as event,
        count(distinct c.person_now) filter (where n.person_id is not null)
            - count(distinct c.person_before) filter (where b.person_id is not null) as shift
    from candidate_events as c
    left join moved as n on n.project_id = c.project_id and n.person_id = c.person_now
    left join moved as b on b.project_id = c.project_id and b.person_id = c.person_before
    where not exists (
        select 1 from new_days as d where d.project_id = c.project_id and d.day = c.day
    )
    group by c.project_id, c.day, c.event_name
),

kept as (
    -- the scope's other days: the table's rows, persons shifted
    select
        t.project_id,
        t.day,
        t.event,
        t.events,
        t.visitors,
        t.persons + coalesce(s.shift, 0) as persons
    from {{ this }} as t
    left join shifts as s on s.project_id = t.project_id and s.day = t.day and s.event = t.event
    where exists (
        select 1 from int_touched_person_days as d
        where d.project_id = t.project_id and d.day = t.day
    )
    and not exists (
        select 1 from new_days as d where d.project_id = t.project_id and d.day = t.day
    )
)

select
    project_id,
    day,
    event,
    cast(events as bigint) as events,
    cast(visitors as bigint) as visitors,
    cast(persons as bigint) as persons
from (
    select * from fresh
    union all
    select * from kept
)
{% endif %}
