{#- Breakdown `events_by_name`: human events by UTC day and event name, with distinct visitors
    and persons. Incremental: the days in int_touched_person_days (days of new events, and of
    visitors whose identity changed: a person can change without new events on the day) are
    recomputed from all their events (replace_scope: macros/incremental_marts.sql). -#}
{{
    config(
        alias='events_by_name',
        materialized='incremental',
        incremental_strategy='replace_scope',
        unique_key=['project_id', 'day'],
        meta={'scope': 'int_touched_person_days'},
    )
}}
{%- set in_scope = mart_in_scope() %}

with int_events_persons as (
    select * from {{ ref('int_events_persons') }}
),

int_touched_person_days as (
    select * from {{ ref('int_touched_person_days') }}
),

events as (
    {{
        rows_on_scope_days(
            'int_events_persons', 'event_time', 'int_touched_person_days', in_scope,
            ['project_id', 'event_time', 'event_name', 'visitor_id', 'resolved_person_id'],
        )
    }}
)

select
    project_id,
    cast(timezone('UTC', event_time) as date) as day,
    event_name as event,
    cast(count(*) as bigint) as events,
    cast(count(distinct visitor_id) as bigint) as visitors,
    cast(count(distinct resolved_person_id) as bigint) as persons
from events
group by project_id, day, event_name
