{#- Gold `web_vitals` (SPEC 4): per UTC day, path, device type and metric, the p75 (linear
    interpolation, quantile_cont) and the shares of good / needs improvement / poor samples.
    Incremental: the days in int_touched_days (a sample's day is that of an event of its
    session) are recomputed from all their samples (replace_scope:
    macros/incremental_marts.sql). -#}
{{
    config(
        alias='web_vitals',
        materialized='incremental',
        incremental_strategy='replace_scope',
        unique_key=['project_id', 'day'],
        meta={'scope': 'int_touched_days'},
    )
}}
{%- set in_scope = mart_in_scope() %}

with int_web_vital_samples as (
    select * from {{ ref('int_web_vital_samples') }}
),

int_touched_days as (
    select * from {{ ref('int_touched_days') }}
)

select
    project_id,
    day,
    path,
    device_type,
    metric,
    cast(count(*) as bigint) as samples,
    cast(quantile_cont(value, 0.75) as double) as p75,
    cast(avg(cast(rating = 'good' as double)) as double) as good_share,
    cast(avg(cast(rating = 'needs_improvement' as double)) as double) as needs_improvement_share,
    cast(avg(cast(rating = 'poor' as double)) as double) as poor_share
from int_web_vital_samples
{% if in_scope %}
where (project_id, day) in (select (project_id, day) from int_touched_days)
{% endif %}
group by project_id, day, path, device_type, metric
