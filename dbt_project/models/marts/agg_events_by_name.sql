{#- Breakdown `events_by_name`: human events by UTC day and event name, with distinct visitors
    and persons. -#}
{{ config(alias='events_by_name') }}

with int_events_persons as (
    select * from {{ ref('int_events_persons') }}
)

select
    project_id,
    cast(timezone('UTC', event_time) as date) as day,
    event_name as event,
    cast(count(*) as bigint) as events,
    cast(count(distinct visitor_id) as bigint) as visitors,
    cast(count(distinct resolved_person_id) as bigint) as persons
from int_events_persons
group by project_id, day, event_name
