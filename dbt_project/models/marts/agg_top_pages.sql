{#- Breakdown `top_pages`: page views by UTC day and path, distinct visitors, mean engaged
    time of the views that have one. Incremental: the days in int_touched_days are recomputed
    from all their page views (replace_scope: macros/incremental_marts.sql). -#}
{{
    config(
        alias='top_pages',
        materialized='incremental',
        incremental_strategy='replace_scope',
        unique_key=['project_id', 'day'],
        meta={'scope': 'int_touched_days'},
    )
}}
{%- set in_scope = mart_in_scope() %}

with int_page_views as (
    select * from {{ ref('int_page_views') }}
),

int_touched_days as (
    select * from {{ ref('int_touched_days') }}
),

page_views as (
    {{
        rows_on_scope_days(
            'int_page_views', 'event_time', 'int_touched_days', in_scope,
            ['project_id', 'event_time', 'path', 'visitor_id', 'engaged_ms'],
        )
    }}
)

select
    project_id,
    cast(timezone('UTC', event_time) as date) as day,
    path,
    cast(count(*) as bigint) as pageviews,
    cast(count(distinct visitor_id) as bigint) as visitors,
    cast(avg(engaged_ms) as double) as avg_engaged_ms
from page_views
group by project_id, day, path
