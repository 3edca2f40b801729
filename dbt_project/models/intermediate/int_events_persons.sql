{#- Human events with their resolved person (see int_identity). Grain: one row per event. -#}
{{ config(materialized='view') }}

with int_events_sessionized as (
    select * from {{ ref('int_events_sessionized') }}
),

int_identity as (
    select * from {{ ref('int_identity') }}
),

resolved as (
    select
        e.*,
        {{ resolve_person('e.user_id', 'e.visitor_id', 'i.person_id') }} as resolved_person_id
    from int_events_sessionized as e
    left join int_identity as i
        on i.project_id = e.project_id and i.visitor_id = e.visitor_id
)

select * from resolved
