{#-
  Identity (SPEC 4): identify merges a visitor into a user from then on, and the visitor's
  earlier events count for that user too. A visitor maps to the first user_id it was seen with
  among its human events in the project (order: event_time, then event_id). The marts resolve
  every event's person from this map and the event's own user_id (macros/resolve_person.sql),
  never from silver's person_id, which may lag (docs/silver.md). Grain: one row per project and
  identified visitor.
  Incremental: a visitor's identity depends on its own user_id events only, so the visitors
  with a user_id event among the rows int_events_sessionized rebuilt since the marts' last
  build are recomputed from all their events (replace_scope by project and visitor); every
  visitor when the marts are rebuilt in full (after an erasure, which can remove a visitor's
  first user_id: macros/incremental_marts.sql).
-#}
{{
    config(
        materialized='incremental',
        incremental_strategy='replace_scope',
        unique_key=['project_id', 'visitor_id'],
    )
}}
{%- set since = mart_loaded_until() if is_incremental() else none %}

with int_events_sessionized as not materialized (
    select * from {{ ref('int_events_sessionized') }}
),

{% if since is not none %}
identifying as (
    select distinct project_id, visitor_id
    from int_events_sessionized
    where _loaded_at > {{ since }} and user_id is not null and user_id <> ''
),
{% endif %}

identified as (
    {{
        visitor_identity(
            'int_events_sessionized',
            '(project_id, visitor_id) in (select (project_id, visitor_id) from identifying)'
            if since is not none else 'true',
        )
    }}
)

select * from identified
