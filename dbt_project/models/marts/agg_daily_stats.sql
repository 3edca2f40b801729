{#- Gold `daily_stats` (SPEC 4), by UTC day: visitors with any (human) event that day; sessions,
    bounce rate and average duration by the day a session started; page views by the day of the
    view; views per session = page views of the sessions started that day / those sessions.
    Incremental: the days in int_touched_days are recomputed from all their rows
    (replace_scope: macros/incremental_marts.sql). -#}
{{
    config(
        alias='daily_stats',
        materialized='incremental',
        incremental_strategy='replace_scope',
        unique_key=['project_id', 'day'],
        meta={'scope': 'int_touched_days'},
    )
}}
{%- set in_scope = mart_in_scope() %}

with int_events_sessionized as (
    select * from {{ ref('int_events_sessionized') }}
),

fct_sessions as (
    select * from {{ ref('fct_sessions') }}
),

fct_page_views as (
    select * from {{ ref('fct_page_views') }}
),

int_touched_days as (
    select * from {{ ref('int_touched_days') }}
),

events as (
    {{
        rows_on_scope_days(
            'int_events_sessionized', 'event_time', 'int_touched_days', in_scope,
            ['project_id', 'event_time', 'visitor_id'],
        )
    }}
),

sessions_started as (
    {{
        rows_on_scope_days(
            'fct_sessions', 'started_at', 'int_touched_days', in_scope,
            ['project_id', 'started_at', 'is_bounce', 'duration_s', 'pageviews'],
        )
    }}
),

views as (
    {{
        rows_on_scope_days(
            'fct_page_views', 'event_time', 'int_touched_days', in_scope,
            ['project_id', 'event_time'],
        )
    }}
),

visitors as (
    select
        project_id,
        cast(timezone('UTC', event_time) as date) as day,
        count(distinct visitor_id) as visitors
    from events
    group by all
),

sessions as (
    select
        project_id,
        cast(timezone('UTC', started_at) as date) as day,
        count(*) as sessions,
        avg(cast(is_bounce as double)) as bounce_rate,
        avg(duration_s) as avg_session_duration_s,
        sum(pageviews) as session_pageviews
    from sessions_started
    group by all
),

pageviews as (
    select
        project_id,
        cast(timezone('UTC', event_time) as date) as day,
        count(*) as pageviews
    from views
    group by all
)

select
    v.project_id,
    v.day,
    cast(v.visitors as bigint) as visitors,
    cast(coalesce(s.sessions, 0) as bigint) as sessions,
    cast(coalesce(p.pageviews, 0) as bigint) as pageviews,
    cast(s.bounce_rate as double) as bounce_rate,
    cast(s.avg_session_duration_s as double) as avg_session_duration_s,
    cast(s.session_pageviews / s.sessions as double) as views_per_session
from visitors as v
left join sessions as s on s.project_id = v.project_id and s.day = v.day
left join pageviews as p on p.project_id = v.project_id and p.day = v.day
