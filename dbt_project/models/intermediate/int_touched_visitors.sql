{#-
  Visitors whose gold sessions and page views the incremental marts rebuild in this run: those
  with a row int_events_sessionized rebuilt since the marts' last build (new events, or a
  changed person_id). A visitor's resolved person depends on all of its events (int_identity),
  so all of its sessions and page views are rebuilt. Every visitor when the marts are rebuilt
  in full (macros/incremental_marts.sql). Grain: one row per project and visitor.
-#}
{%- set since = mart_loaded_until() %}

with int_events_sessionized as (
    select * from {{ ref('int_events_sessionized') }}
)

select distinct project_id, visitor_id
from int_events_sessionized
{% if since is not none %}
where _loaded_at > {{ since }}
{% endif %}
