{#- Breakdown `retention`: weekly cohorts of persons by the ISO week (Monday, UTC) of their
    first session; week_number n counts the cohort's persons with a session n weeks later. -#}
{{ config(alias='retention') }}

with fct_sessions as (
    select * from {{ ref('fct_sessions') }}
),

activity as (
    select distinct
        project_id,
        person_id,
        cast(date_trunc('week', timezone('UTC', started_at)) as date) as week
    from fct_sessions
),

cohorts as (
    select project_id, person_id, min(week) as cohort_week
    from activity
    group by project_id, person_id
),

sizes as (
    select project_id, cohort_week, count(*) as cohort_persons
    from cohorts
    group by project_id, cohort_week
),

returned as (
    select
        c.project_id,
        c.cohort_week,
        date_diff('week', c.cohort_week, a.week) as week_number,
        count(*) as persons
    from cohorts as c
    inner join activity as a on a.project_id = c.project_id and a.person_id = c.person_id
    group by all
)

select
    r.project_id,
    r.cohort_week,
    cast(r.week_number as bigint) as week_number,
    cast(s.cohort_persons as bigint) as cohort_persons,
    cast(r.persons as bigint) as persons,
    cast(r.persons / s.cohort_persons as double) as retention_share
from returned as r
inner join sizes as s on s.project_id = r.project_id and s.cohort_week = r.cohort_week
