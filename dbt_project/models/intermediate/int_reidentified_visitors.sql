{#-
  Visitors whose identity (macros/visitor_identity.sql: the first user_id among their events)
  changed since the marts' last build: a new event with a user_id can make it, and only such
  a visitor's events change person without new events of their own. person_before is the
  identity its events that were there at the last build give (null: anonymous then),
  person_now int_identity's. int_touched_person_days takes every day of these visitors'
  events; agg_events_by_name moves their events between the two persons. Empty when the marts
  are rebuilt in full (macros/incremental_marts.sql). Grain: one row per project and visitor.
-#}
{%- set since = mart_loaded_until() %}

with int_events_sessionized as not materialized (
    select * from {{ ref('int_events_sessionized') }}
),

int_identity as not materialized (
    select * from {{ ref('int_identity') }}
)

{% if since is none %}
select project_id, visitor_id, person_id as person_before, person_id as person_now
from int_identity
where false
{% else %}
, identifying as (
    -- visitors whose identity may have changed: a new event with a user_id
    select distinct project_id, visitor_id
    from int_events_sessionized
    where _first_loaded_at > {{ since }} and user_id is not null and user_id <> ''
),

identity_before as (
    {{
        visitor_identity(
            'int_events_sessionized',
            '(project_id, visitor_id) in (select (project_id, visitor_id) from identifying) '
            ~ 'and _first_loaded_at <= ' ~ since,
        )
    }}
)

select v.project_id, v.visitor_id, b.person_id as person_before, i.person_id as person_now
from identifying as v
left join identity_before as b using (project_id, visitor_id)
left join int_identity as i using (project_id, visitor_id)
where b.person_id is distinct from i.person_id
{% endif %}
