{#- Gold `web_vitals` (SPEC 4): per UTC day, path, device type and metric, the p75 (linear
    interpolation, quantile_cont) and the shares of good / needs improvement / poor samples. -#}
{{ config(alias='web_vitals') }}

with int_web_vital_samples as (
    select * from {{ ref('int_web_vital_samples') }}
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
group by project_id, day, path, device_type, metric
