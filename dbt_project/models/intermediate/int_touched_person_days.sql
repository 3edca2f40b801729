{#-
  UTC days whose per-day counts by event name (events_by_name: events, visitors, persons) are
  recomputed in this run. Those figures of a day change only with a new event on that day
  (events arriving since the marts' last build: _first_loaded_at after it) or with a change of
  the person of an event on that day; an event's person (macros/resolve_person.sql) is its own
  user_id, else its visitor's identity, which changes only with a new user_id event of that
  visitor. So: the days of the new events, and every day with an event of a visitor whose
  identity differs from the one its earlier events gave (the same rule, macros/
  visitor_identity.sql, over its events that were there at the last build). Sessions do not
  matter here, so a rebuilt group's other days are not recomputed. Every day when the marts
  are rebuilt in full. Grain: one row per project and day.
-#}
{%- set since = mart_loaded_until() %}

with int_events_sessionized as (
    select * from {{ ref('int_events_sessionized') }}
),

int_identity as (
    select * from {{ ref('int_identity') }}
)

{% if since is none %}
select distinct project_id, cast(timezone('UTC', event_time) as date) as day
from int_events_sessionized
{% else %}
, new_events as (
    select project_id, visitor_id, event_time, user_id
    from int_events_sessionized
    where _first_loaded_at > {{ since }}
),

identifying as (
    -- visitors whose identity may have changed: a new event with a user_id
    select distinct project_id, visitor_id
    from new_events
    where user_id is not null and user_id <> ''
),

identity_before as (
    {{
        visitor_identity(
            'int_events_sessionized',
            '(project_id, visitor_id) in (select (project_id, visitor_id) from identifying) '
            ~ 'and _first_loaded_at <= ' ~ since,
        )
    }}
),

reidentified as (
    select v.project_id, v.visitor_id
    from identifying as v
    left join identity_before as b using (project_id, visitor_id)
    left join int_identity as i using (project_id, visitor_id)
    where b.person_id is distinct from i.person_id
)

select distinct project_id, cast(timezone('UTC', event_time) as date) as day
from new_events
union
select distinct project_id, cast(timezone('UTC', event_time) as date) as day
from int_events_sessionized
where (project_id, visitor_id) in (select (project_id, visitor_id) from reidentified)
{% endif %}
