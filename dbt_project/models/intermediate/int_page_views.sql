{#-
  One row per page_view with engaged time (SPEC 4): the duration_ms of its page_leave (the
  page_leave of the same session and path that follows it most closely; the last one where
  several), else the time to the next event of the session; the session's last page view without
  a page_leave gets NULL. Incremental like int_sessions (groups rebuilt upstream).
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
    -- Scanned once per use below (columnar scans are cheap; materializing it is not).
    select
        project_id,
        group_key,
        event_id,
        session_id,
        visitor_id,
        user_id,
        event_name,
        event_time,
        seq,
        path,
        title,
        device_type,
        duration_ms,
        _loaded_at
    from int_events_sessionized
    {% if is_incremental() %}
    where {{ rebuilt_since_last_run() }}
    {% endif %}
),

positions as (
    -- The next event's time and the page view's number from either end of its session, in
    -- one sort of a narrow projection (window functions carry every column they are given).
    select *
    from (
        select
            event_id,
            event_name,
            lead(event_time) over w as next_event_time,
            count(*) filter (where event_name = 'page_view') over (
                w rows between unbounded preceding and current row
            ) as view_no,
            count(*) filter (where event_name = 'page_view') over (
                w rows between current row and unbounded following
            ) as view_no_desc
        from events
        -- session_id first: the more selective key sorts faster; the partitions are the same.
        window w as (partition by session_id, project_id order by seq)
    )
    where event_name = 'page_view'
),

views as (
    select e.*, p.next_event_time, p.view_no, p.view_no_desc
    from events as e
    inner join positions as p using (event_id)
    where e.event_name = 'page_view'
),

leaves as (
    select
        v.event_id as view_event_id,
        arg_max(l.duration_ms, l.seq) as duration_ms
    from events as l
    asof inner join (
        select project_id, session_id, path, seq, event_id
        from events
        where event_name = 'page_view'
    ) as v
        on v.project_id = l.project_id
        and v.session_id = l.session_id
        and coalesce(v.path, '') = coalesce(l.path, '')
        and l.seq > v.seq
    where l.event_name = 'page_leave' and l.duration_ms is not null
    group by v.event_id
),

page_views as (
    select
        v.project_id,
        v.group_key,
        v.event_id,
        v.session_id,
        v.visitor_id,
        v.user_id as user_id_raw,
        v.event_time,
        v.seq,
        v.path,
        v.title,
        v.device_type,
        case
            when l.duration_ms is not null then cast(round(l.duration_ms) as bigint)
            when v.view_no_desc = 1 then null
            else date_diff('millisecond', v.event_time, v.next_event_time)
        end as engaged_ms,
        v.view_no = 1 as is_entry,
        v.view_no_desc = 1 as is_exit,
        v._loaded_at
    from views as v
    left join leaves as l on l.view_event_id = v.event_id
)

select * from page_views
