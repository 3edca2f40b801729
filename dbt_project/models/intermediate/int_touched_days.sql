{#-
  UTC days whose day-grain marts (figures by event day or by session start day) are recomputed
  in this run: every day with an event of a group that received a new event since the marts'
  last build. A new event can change its group's sessions (split, merge, start) on any day of
  the group's events, and a session starts on the day of one of its events; event times never
  change. A group rebuilt only for a person_id change changes no figure of these marts (they
  count visitors, not persons). Every day when the marts are rebuilt in full.
  Grain: one row per project and day.
-#}
{%- set since = mart_loaded_until() %}

with int_events_sessionized as (
    select * from {{ ref('int_events_sessionized') }}
)

select distinct project_id, cast(timezone('UTC', event_time) as date) as day
from int_events_sessionized
{% if since is not none %}
where _loaded_at > {{ since }}
    and group_key in (
        select group_key from int_events_sessionized where _first_loaded_at > {{ since }}
    )
{% endif %}
