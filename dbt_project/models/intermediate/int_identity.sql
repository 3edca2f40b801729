{#-
  Identity (SPEC 4): identify merges a visitor into a user from then on, and the visitor's
  earlier events count for that user too. A visitor maps to the first user_id it was seen with
  among its human events in the project (order: event_time, then event_id). The marts resolve
  every event's person from this map and the event's own user_id (macros/resolve_person.sql),
  never from silver's person_id, which may lag (docs/silver.md). Grain: one row per project and
  identified visitor.
-#}
with int_events_sessionized as (
    select * from {{ ref('int_events_sessionized') }}
),

identified as (
    {{ visitor_identity('int_events_sessionized') }}
)

select * from identified
