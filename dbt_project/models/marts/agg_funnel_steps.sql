{#- Gold `funnel_steps` (SPEC 4): persons reaching at least each step (each person once, at
    their furthest step), conversion from the first and the previous step, and the median time
    from the previous step. Every step of every funnel appears for every project. -#}
{{ config(alias='funnel_steps') }}

with int_funnel_reach as (
    select * from {{ ref('int_funnel_reach') }}
),

stg_funnel_steps as (
    select * from {{ ref('stg_funnel_steps') }}
),

int_events_sessionized as (
    select * from {{ ref('int_events_sessionized') }}
),

projects as (
    select distinct project_id from int_events_sessionized
),

counts as (
    select
        project_id,
        funnel,
        step,
        count(distinct person_id) as persons,
        median(seconds_from_previous) as median_time_from_previous_s
    from int_funnel_reach
    group by all
),

grid as (
    select
        p.project_id,
        s.funnel,
        s.step,
        s.step_name,
        coalesce(c.persons, 0) as persons,
        c.median_time_from_previous_s
    from projects as p
    cross join stg_funnel_steps as s
    left join counts as c
        on c.project_id = p.project_id and c.funnel = s.funnel and c.step = s.step
)

select
    project_id,
    funnel,
    cast(step as bigint) as step,
    step_name,
    cast(persons as bigint) as persons,
    cast(
        persons / nullif(first_value(persons) over (
            partition by project_id, funnel order by step
        ), 0) as double
    ) as conversion_from_first,
    cast(
        persons / nullif(lag(persons) over (
            partition by project_id, funnel order by step
        ), 0) as double
    ) as conversion_from_previous,
    cast(median_time_from_previous_s as double) as median_time_from_previous_s
from grid
