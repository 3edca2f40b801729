{#- Session figures by UTC start day and the given dimension columns of fct_sessions; the
    breakdown marts differ only in their dimensions. Bounce rate counts sessions with a
    page view only (is_bounce not null), as in daily_stats. -#}
{% macro session_breakdown(sessions_cte, dims) %}
select
    project_id,
    cast(timezone('UTC', started_at) as date) as day,
    {% for d in dims %}{{ d }},{% endfor %}
    cast(count(*) as bigint) as sessions,
    cast(count(distinct visitor_id) as bigint) as visitors,
    cast(sum(pageviews) as bigint) as pageviews,
    cast(avg(cast(is_bounce as double)) as double) as bounce_rate,
    cast(avg(duration_s) as double) as avg_session_duration_s
from {{ sessions_cte }}
group by project_id, day{% for d in dims %}, {{ d }}{% endfor %}
{% endmacro %}
