{#- Gold `sessions` (SPEC 3-4): int_sessions with person resolved through int_identity and
    has_replay from its visitor's replay chunks. Incremental: every session of a visitor in
    int_touched_visitors (its rows rebuilt upstream, or its person changed) is rebuilt
    (delete+insert by visitor, so a session merged away upstream disappears too), and so is
    every session of a visitor whose has_replay changed (a replay chunk can arrive without new
    events in the session). -#}
{{
    config(
        alias='sessions',
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['project_id', 'visitor_id'],
    )
}}

with int_sessions as not materialized (
    -- read twice (replays, the scope's sessions): DuckDB would otherwise materialize it whole
    select * from {{ ref('int_sessions') }}
),

int_identity as (
    select * from {{ ref('int_identity') }}
),

stg_replay_chunks as (
    select * from {{ ref('stg_replay_chunks') }}
),

int_touched_visitors as (
    select * from {{ ref('int_touched_visitors') }}
),

replayed as (
    select distinct s.project_id, s.session_id, s.visitor_id
    from int_sessions as s
    inner join stg_replay_chunks as r
        on r.project_id = s.project_id
        and r.sdk_session_id = s.sdk_session_id
        -- another visitor sending the same SDK session_id has its own session and recording
        and r.visitor_id = s.visitor_id
        and (
            r.first_at is null
            or r.first_at between s.started_at - interval 1 minute
            and s.ended_at + interval ({{ var('session_gap_minutes') }}) minute
        )
),

{% if is_incremental() %}
scope as (
    select project_id, visitor_id from int_touched_visitors
    union
    -- sessions that gained or lost a replay since the last build
    select project_id, visitor_id
    from (
        select project_id, session_id, visitor_id from replayed
        except
        select project_id, session_id, visitor_id from {{ this }} where has_replay
    )
    union
    select project_id, visitor_id
    from (
        select project_id, session_id, visitor_id from {{ this }} where has_replay
        except
        select project_id, session_id, visitor_id from replayed
    )
),

sessions as (
    select * from int_sessions
    where (project_id, visitor_id) in (select (project_id, visitor_id) from scope)
),
{% else %}
sessions as (
    select * from int_sessions
),
{% endif %}

resolved as (
    select
        s.project_id,
        s.session_id,
        cast({{ resolve_person('s.user_id_raw', 's.visitor_id', 'i.person_id') }} as varchar)
            as person_id,
        s.visitor_id,
        s.started_at,
        s.ended_at,
        cast(s.duration_s as double) as duration_s,
        cast(s.pageviews as bigint) as pageviews,
        cast(s.events as bigint) as events,
        s.is_bounce,
        {{ session_dimensions('s') }},
        r.session_id is not null as has_replay,
        -- not published: what this run wrote (macros/rebuilt_tests.sql)
        cast('{{ run_started_at.isoformat() }}' as timestamptz) as _loaded_at
    from sessions as s
    left join int_identity as i
        on i.project_id = s.project_id and i.visitor_id = s.visitor_id
    left join replayed as r
        on r.project_id = s.project_id and r.session_id = s.session_id
)

select * from resolved
