{#- Breakdown `top_pages`: page views by UTC day and path, distinct visitors, mean engaged
    time of the views that have one. -#}
{{ config(alias='top_pages') }}

with int_page_views as (
    select * from {{ ref('int_page_views') }}
)

select
    project_id,
    cast(timezone('UTC', event_time) as date) as day,
    path,
    cast(count(*) as bigint) as pageviews,
    cast(count(distinct visitor_id) as bigint) as visitors,
    cast(avg(engaged_ms) as double) as avg_engaged_ms
from int_page_views
group by project_id, day, path
