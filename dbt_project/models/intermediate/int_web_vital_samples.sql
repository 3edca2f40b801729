{#-
  Web vitals samples (SPEC 4): one sample per metric per page view, the last value reported
  (the SDK reports the final value when the page is hidden). A web_vital event belongs to the
  latest page view of its session and path before it. Values over 15 minutes are dropped and
  each sample is rated by the web-vitals library's thresholds.
  Grain: one row per page view (or, without one, session and path) and metric.
  Incremental like int_sessions: a sample only depends on its session's events, so the groups
  int_events_sessionized rebuilt are rebuilt here (delete+insert on group_key).
-#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='group_key',
    )
}}

with int_events_sessionized as not materialized (
    select * from {{ ref('int_events_sessionized') }}
),

events as not materialized (
    select
        project_id,
        group_key,
        visitor_id,
        session_id,
        event_id,
        event_name,
        event_time,
        seq,
        path,
        device_type,
        vital_name,
        vital_value,
        _loaded_at
    from int_events_sessionized
    {% if is_incremental() %}
    where {{ rebuilt_since_last_run() }}
    {% endif %}
),

thresholds (metric, good_max, poor_above) as (
    values
        ('LCP', 2500.0, 4000.0),
        ('INP', 200.0, 500.0),
        ('CLS', 0.1, 0.25),
        ('FCP', 1800.0, 3000.0),
        ('TTFB', 800.0, 1800.0)
),

vitals as (
    select * from events
    where event_name = 'web_vital'
      and vital_value is not null
      and vital_value >= 0
      and vital_value <= {{ var('vital_max_ms') }}
      and vital_name in (select metric from thresholds)
),

views as (
    select project_id, session_id, path, seq, event_id, event_time
    from events
    where event_name = 'page_view'
),

attributed as (
    select
        vt.project_id,
        vt.group_key,
        vt.visitor_id,
        vt._loaded_at,
        coalesce(v.event_id, vt.session_id || chr(31) || coalesce(vt.path, '')) as view_key,
        coalesce(v.event_time, vt.event_time) as view_time,
        vt.path,
        vt.device_type,
        vt.vital_name as metric,
        vt.vital_value as value,
        vt.seq,
        vt.event_time
    from vitals as vt
    asof left join views as v
        on v.project_id = vt.project_id
        and v.session_id = vt.session_id
        and coalesce(v.path, '') = coalesce(vt.path, '')
        and vt.seq > v.seq
),

samples as (
    select
        project_id,
        view_key,
        metric,
        cast(timezone('UTC', min(view_time)) as date) as day,
        arg_max(path, seq) as path,
        arg_max(device_type, seq) as device_type,
        arg_max(value, seq) as value,
        -- one session, so one group and visitor, per view_key
        any_value(group_key) as group_key,
        any_value(visitor_id) as visitor_id,
        max(_loaded_at) as _loaded_at
    from attributed
    group by project_id, view_key, metric
)

select
    s.*,
    case
        when s.value <= t.good_max then 'good'
        when s.value <= t.poor_above then 'needs_improvement'
        else 'poor'
    end as rating
from samples as s
inner join thresholds as t using (metric)
