{#- Gold `sessions` (SPEC 3-4). A table over the incremental int_sessions, with person resolved
    through int_identity and has_replay from replay chunks on every build, so neither goes stale
    when an identify or a replay chunk arrives without new events in the session. -#}
{{ config(alias='sessions') }}

with int_sessions as (
    select * from {{ ref('int_sessions') }}
),

int_identity as (
    select * from {{ ref('int_identity') }}
),

stg_replay_chunks as (
    select * from {{ ref('stg_replay_chunks') }}
),

replayed as (
    select distinct s.project_id, s.session_id
    from int_sessions as s
    inner join stg_replay_chunks as r
        on r.project_id = s.project_id
        and r.sdk_session_id = s.sdk_session_id
        and (
            r.first_at is null
            or r.first_at between s.started_at - interval 1 minute
            and s.ended_at + interval ({{ var('session_gap_minutes') }}) minute
        )
)

select
    s.project_id,
    s.session_id,
    cast({{ resolve_person('s.person_id_raw', 's.visitor_id', 'i.person_id') }} as varchar)
        as person_id,
    s.visitor_id,
    s.started_at,
    s.ended_at,
    cast(s.duration_s as double) as duration_s,
    cast(s.pageviews as bigint) as pageviews,
    cast(s.events as bigint) as events,
    s.is_bounce,
    s.entry_path,
    s.exit_path,
    s.channel,
    s.referrer_host,
    s.utm_source,
    s.utm_medium,
    s.utm_campaign,
    s.country,
    s.browser,
    s.os,
    s.device_type,
    r.session_id is not null as has_replay
from int_sessions as s
left join int_identity as i
    on i.project_id = s.project_id and i.visitor_id = s.visitor_id
left join replayed as r
    on r.project_id = s.project_id and r.session_id = s.session_id
