{#-
  UTC days whose per-day person counts (events_by_name) are recomputed in this run: every day
  with a row int_events_sessionized rebuilt since the marts' last build (new events or a changed
  person_id), and every day with an event of a visitor with a new user_id event (its identity,
  int_identity, may have changed, and with it the person of all its events). Every day when the
  marts are rebuilt in full. Grain: one row per project and day.
-#}
{%- set since = mart_loaded_until() %}

with int_events_sessionized as (
    select * from {{ ref('int_events_sessionized') }}
)

select distinct project_id, cast(timezone('UTC', event_time) as date) as day
from int_events_sessionized
{% if since is not none %}
where _loaded_at > {{ since }}
    or (project_id, visitor_id) in (
        select (project_id, visitor_id)
        from int_events_sessionized
        where _first_loaded_at > {{ since }} and user_id is not null and user_id <> ''
    )
{% endif %}
