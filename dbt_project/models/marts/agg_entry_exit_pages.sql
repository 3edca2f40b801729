{#- Breakdown `entry_exit_pages`: sessions by start day and their entry path (kind 'entry') or
    exit path (kind 'exit'), with visitors and bounce rate. -#}
{{ config(alias='entry_exit_pages') }}

with fct_sessions as (
    select * from {{ ref('fct_sessions') }}
),

pages as (
    select project_id, started_at, visitor_id, is_bounce, 'entry' as kind, entry_path as path
    from fct_sessions
    union all
    select project_id, started_at, visitor_id, is_bounce, 'exit' as kind, exit_path as path
    from fct_sessions
)

select
    project_id,
    cast(timezone('UTC', started_at) as date) as day,
    path,
    kind,
    cast(count(*) as bigint) as sessions,
    cast(count(distinct visitor_id) as bigint) as visitors,
    cast(avg(cast(is_bounce as double)) as double) as bounce_rate
from pages
group by project_id, day, path, kind
