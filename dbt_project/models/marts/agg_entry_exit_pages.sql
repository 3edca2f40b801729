{#- Breakdown `entry_exit_pages`: sessions by start day and their entry path (kind 'entry') or
    exit path (kind 'exit'), with visitors and bounce rate. Incremental: the days in
    int_touched_days are recomputed from all sessions that started on them (replace_scope:
    macros/incremental_marts.sql). -#}
{{
    config(
        alias='entry_exit_pages',
        materialized='incremental',
        incremental_strategy='replace_scope',
        unique_key=['project_id', 'day'],
        meta={'scope': 'int_touched_days'},
    )
}}
{%- set in_scope = mart_in_scope() %}

with fct_sessions as (
    select * from {{ ref('fct_sessions') }}
),

int_touched_days as (
    select * from {{ ref('int_touched_days') }}
),

sessions as (
    {{
        rows_on_scope_days(
            'fct_sessions', 'started_at', 'int_touched_days', in_scope,
            ['project_id', 'started_at', 'visitor_id', 'is_bounce', 'entry_path', 'exit_path'],
        )
    }}
),

pages as (
    select project_id, started_at, visitor_id, is_bounce, 'entry' as kind, entry_path as path
    from sessions
    union all
    select project_id, started_at, visitor_id, is_bounce, 'exit' as kind, exit_path as path
    from sessions
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
