{#-
  UTC days whose per-day counts by event name (events_by_name: events, visitors, persons) are
  recomputed in this run. Those figures of a day change only with a new event on that day
  (events arriving since the marts' last build: _first_loaded_at after it) or with a change of
  the person of an event on that day; an event's person (macros/resolve_person.sql) is its own
  user_id, else its visitor's identity, which changes only with a new user_id event of that
  visitor. So: the days of the new events, and every day with an event of a visitor whose
  identity differs from the one its earlier events gave (int_reidentified_visitors). Sessions
  do not matter here, so a rebuilt group's other days are not recomputed. Every day when the
  marts are rebuilt in full. Grain: one row per project and day.
-#}
{%- set since = mart_loaded_until() %}

with int_events_sessionized as not materialized (
    select * from {{ ref('int_events_sessionized') }}
),

int_reidentified_visitors as (
    select * from {{ ref('int_reidentified_visitors') }}
)

{% if since is none %}
select distinct project_id, cast(timezone('UTC', event_time) as date) as day
from int_events_sessionized
{% else %}
, new_events as (
    select project_id, event_time
    from int_events_sessionized
    where _first_loaded_at > {{ since }}
)

select distinct project_id, cast(timezone('UTC', event_time) as date) as day
from new_events
union
select distinct project_id, cast(timezone('UTC', event_time) as date) as day
from int_events_sessionized
where (project_id, visitor_id) in (
    select (project_id, visitor_id) from int_reidentified_visitors
)
{% endif %}
