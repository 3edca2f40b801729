{#-
  One row per session (SPEC 4): times, counts, bounce, and entry attributes from its first
  event. user_id_raw is the user_id of the session's last event (NULL when anonymous); the marts
  resolve the session's person from it and int_identity. Incremental: rebuilds the sessions of
  groups int_events_sessionized rebuilt.
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
    -- Scanned twice (totals, first events): cheaper than materializing every column.
    select * from int_events_sessionized
    {% if is_incremental() %}
    where {{ rebuilt_since_last_run() }}
    {% endif %}
),

totals as (
    select
        project_id,
        session_id,
        min(event_time) as started_at,
        max(event_time) as ended_at,
        count(*) filter (where event_name = 'page_view') as pageviews,
        count(*) as events,
        count(*) filter (where event_name = 'click') as clicks,
        arg_max_null(user_id, seq) as user_id_raw,
        arg_max_null(path, seq) filter (where event_name = 'page_view') as exit_page_path,
        arg_max(path, seq) filter (where path is not null) as last_path,
        max(_loaded_at) as _loaded_at
    from events
    group by project_id, session_id
),

first_events as (
    select * from events where seq = 1
),

sessions as (
    select
        t.project_id,
        f.group_key,
        t.session_id,
        f.sdk_session_id,
        f.visitor_id,
        t.user_id_raw,
        t.started_at,
        t.ended_at,
        date_diff('microsecond', t.started_at, t.ended_at) / 1e6 as duration_s,
        t.pageviews,
        t.events,
        t.clicks,
        case
            when t.pageviews = 0 then null
            when t.pageviews = 1
                and t.clicks = 0
                and date_diff('microsecond', t.started_at, t.ended_at)
                    < {{ var('bounce_max_seconds') }} * 1e6
                then true
            else false
        end as is_bounce,
        f.path as entry_path,
        coalesce(t.exit_page_path, t.last_path) as exit_path,
        f.channel,
        f.referrer_host,
        f.utm_source,
        f.utm_medium,
        f.utm_campaign,
        f.country,
        f.browser,
        f.os,
        f.device_type,
        t._loaded_at
    from totals as t
    inner join first_events as f
        on f.project_id = t.project_id and f.session_id = t.session_id
)

select * from sessions
