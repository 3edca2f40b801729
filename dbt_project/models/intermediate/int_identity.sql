{#-
  Identity (SPEC 4): identify merges a visitor into a user from then on, and the visitor's
  earlier events count for that user too. Silver's person_id already does this where enrichment
  resolved it; this map also resolves events that still carry the visitor_id as their person
  (e.g. enriched before the identify arrived). A visitor maps to the first user_id it was seen
  with. Grain: one row per project and identified visitor.
-#}
with int_events_sessionized as (
    select * from {{ ref('int_events_sessionized') }}
),

identified as (
    select
        project_id,
        visitor_id,
        arg_min(user_id, event_time) as person_id,
        min(event_time) as identified_at
    from int_events_sessionized
    where user_id is not null and user_id <> ''
    group by project_id, visitor_id
)

select * from identified
