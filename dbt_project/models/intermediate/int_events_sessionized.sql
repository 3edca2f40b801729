{#-
  Sessionization (SPEC 4). A "group" is one visitor's events with one SDK session_id (or, for
  events without one, all of the visitor's session-less events). A group splits where two
  consecutive events are more than 30 minutes apart, and a piece longer than 24 hours splits at
  the first event past 24 hours from its start (recursively, for the rare long pieces).
  Session ids: the SDK session_id for the first piece, session_id-n for later ones; session-less
  pieces are 'v-<visitor_id>-n'. Ids only depend on the group's earlier events: stable as new
  events arrive. Groups whose events all lie within 30 minutes (most) are one session without
  the gap windows.
  One SDK session_id sent by several visitors of a project (a broken or hostile client, a cloned
  localStorage) gives one group per visitor: the visitor whose event with it arrived first
  (bronze_version, then event_id: arrival order never changes once written, unlike event_time)
  keeps the plain ids, every other visitor's are based on session_id~<8 hex of md5(visitor_id)>
  (macros/session_base.sql), so ids stay unique per visitor and a later visitor never renames
  the first one's sessions. In an incremental run the first arrival is looked up among this
  table's rows with the rebuilt groups' SDK session_ids (one scan of two columns).

  Incremental: a group with new or changed events (new event_id, or a changed event_time) is
  rebuilt from ALL its events (delete+insert on group_key); other groups are not touched. New
  rows are found past the bronze_version watermark when it holds, else by an anti-join
  over all of silver (macros/silver_watermark.sql). Not on
  a changed person_id: gold resolves persons from user_id (int_identity), never from silver's
  person_id, so the daily person squash (docs/silver.md) changes no mart; person_id here is
  silver's as of the group's last rebuild, kept for readers of this table only. _loaded_at is
  the run that last rebuilt the row's group; _first_loaded_at the run that first brought the
  event here (a rebuild keeps it), so the incremental marts tell the new events of a rebuilt
  group from its old ones.
-#}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='group_key',
    )
}}

with recursive stg_events as not materialized (
    select * from {{ ref('stg_events') }}
),

humans as not materialized (
    select *, {{ session_group_key() }} as group_key
    from stg_events
    where not is_bot
),

{% if is_incremental() %}
{%- set watermark = silver_watermark(ref('stg_events')) %}
new_events as (
    -- Silver's rows not in this table, by their own narrow scan (`humans` is wide). With the
    -- watermark (macros/silver_watermark.sql) only the rows at or above it are read.
    {{ new_silver_rows(ref('stg_events'), watermark) }}
),

changed_groups as (
    select distinct group_key from new_events
),

previous as (
    -- The rebuilt groups' rows as built before.
    select event_id, event_time, _first_loaded_at
    from {{ this }}
    where group_key in (select group_key from changed_groups)
),

scoped as (
    select * from humans
    where group_key in (select group_key from changed_groups)
    {% if watermark is not none %}
    -- Below the watermark silver holds exactly this table's rows, so a rebuilt group's events
    -- are its rows here and its new rows: only their days' partitions are read (event_date is
    -- event_time's UTC date, silver's partition column).
    -- The days are constants (macros/silver_watermark.sql rebuilt_days): pruned by statistics.
    and event_date in {{ rebuilt_days(ref('stg_events'), watermark) }}
    {% endif %}
),
{% else %}
scoped as (
    select * from humans
),
{% endif %}

keys as not materialized (
    -- Sessionize on a narrow projection: window functions carry every column they are given.
    select project_id, event_id, event_time, visitor_id, sdk_session_id, group_key
    from scoped
),

group_spans as (
    select
        group_key,
        any_value(project_id) as project_id,
        any_value(sdk_session_id) as sdk_session_id,
        max(event_time) - min(event_time)
            > interval ({{ var('session_gap_minutes') }}) minute as may_split
    from keys
    group by group_key
),

{% if is_incremental() %}
written as materialized (
    -- This table's rows with the rebuilt groups' SDK session_ids (mostly those groups' own
    -- rows): other visitors' groups with one of them, and when they arrived.
    select t.group_key, t.project_id, t.sdk_session_id, t.visitor_id, t.bronze_version, t.event_id
    from {{ this }} as t
    semi join group_spans as g
        on g.project_id = t.project_id and g.sdk_session_id = t.sdk_session_id
),
{% endif %}

shared as (
    -- SDK session_ids of the project sent by more than one visitor (one group each): rare.
    select project_id, sdk_session_id
    from (
        select group_key, project_id, sdk_session_id
        from group_spans
        where sdk_session_id is not null
        {% if is_incremental() %}
        union
        select distinct group_key, project_id, sdk_session_id from written
        {% endif %}
    )
    group by project_id, sdk_session_id
    having count(*) > 1
),

arrivals as materialized (
    -- The events with a shared SDK session_id (all of them: written before or now).
    select project_id, sdk_session_id, visitor_id, bronze_version, event_id
    from (
        select project_id, sdk_session_id, visitor_id, bronze_version, event_id
        from {{ 'scoped' if is_incremental() else 'humans' }}
        {% if is_incremental() %}
        union all
        select project_id, sdk_session_id, visitor_id, bronze_version, event_id from written
        {% endif %}
    )
    semi join shared using (project_id, sdk_session_id)
),

renamed_groups as (
    -- The groups of every visitor but the one whose event with the SDK session_id arrived
    -- first (arrival order never changes once written): their own base id.
    select distinct {{ session_group_key() }} as group_key,
        {{ session_base('sdk_session_id', 'visitor_id') }} as base_id
    from arrivals
    anti join (
        select project_id, sdk_session_id,
            arg_min(visitor_id, (bronze_version, event_id)) as visitor_id
        from arrivals
        group by project_id, sdk_session_id
    ) using (project_id, sdk_session_id, visitor_id)
),

group_bases as (
    -- Every group, may_split and (for the renamed ones) base_id: carried by the joins below.
    select g.group_key, g.may_split, r.base_id
    from group_spans as g
    left join renamed_groups as r using (group_key)
),

unsplit as (
    -- A group whose events all lie within the gap limit of each other cannot split (and the cap
    -- is longer): one session, n = 0, without the window functions below (most groups: the
    -- SDK starts a new session_id after 30 minutes without activity).
    select k.*, b.base_id, 0 as session_n
    from keys as k
    inner join (select group_key, base_id from group_bases where not may_split) as b
        using (group_key)
),

with_gaps as (
    select
        *,
        lag(event_time) over (
            partition by group_key order by event_time, event_id
        ) as previous_time
    from keys
    inner join (select group_key, base_id from group_bases where may_split) using (group_key)
),

gap_numbered as (
    select
        *,
        sum(
            case
                when previous_time is null
                    or event_time - previous_time
                        > interval ({{ var('session_gap_minutes') }}) minute
                    then 1
                else 0
            end
        ) over (
            partition by group_key order by event_time, event_id rows unbounded preceding
        ) as gap_no
    from with_gaps
),

gap_spans as (
    select group_key, gap_no, min(event_time) as gap_start, max(event_time) as gap_end
    from gap_numbered
    group by group_key, gap_no
),

long_gaps as (
    select group_key, gap_no
    from gap_spans
    where gap_end - gap_start > interval ({{ var('session_max_hours') }}) hour
),

long_events as (
    select g.group_key, g.gap_no, g.event_time
    from gap_numbered as g
    semi join long_gaps as l using (group_key, gap_no)
),

caps (group_key, gap_no, cap_start) as (
    select group_key, gap_no, min(event_time)
    from long_events
    group by group_key, gap_no
    union all
    select l.group_key, l.gap_no, min(l.event_time)
    from caps as c
    inner join long_events as l
        on l.group_key = c.group_key
        and l.gap_no = c.gap_no
        and l.event_time > c.cap_start + interval ({{ var('session_max_hours') }}) hour
    group by l.group_key, l.gap_no
),

capped_groups as (
    select distinct group_key from long_gaps
),

plain as (
    -- Groups that may split, without a gap over the cap (nearly all): n is the gap number.
    select g.*, g.gap_no - 1 as session_n
    from gap_numbered as g
    anti join capped_groups as c using (group_key)
),

capped as (
    -- The rare groups with a long gap: pieces start at the gap start or a cap start.
    select
        g.*,
        dense_rank() over (
            partition by g.group_key order by g.gap_no, coalesce(c.cap_start, s.gap_start)
        ) - 1 as session_n
    from (select * from gap_numbered semi join capped_groups using (group_key)) as g
    inner join gap_spans as s using (group_key, gap_no)
    asof left join caps as c
        on c.group_key = g.group_key
        and c.gap_no = g.gap_no
        and g.event_time >= c.cap_start
),

numbered as (
    select * from unsplit
    union all by name
    select * exclude (previous_time, gap_no) from plain
    union all by name
    select * exclude (previous_time, gap_no) from capped
),

assigned as (
    select
        event_id,
        project_id,
        event_time,
        case
            when sdk_session_id is null then 'v-' || visitor_id || '-' || session_n
            when session_n = 0 then coalesce(base_id, sdk_session_id)
            else coalesce(base_id, sdk_session_id) || '-' || session_n
        end as session_id
    from numbered
),

sequenced as (
    select
        event_id,
        project_id,
        session_id,
        -- session_id first: the more selective key sorts faster; the partitions are the same.
        row_number() over (
            partition by session_id, project_id order by event_time, event_id
        ) as seq
    from assigned
),

sessionized as (
    select
        e.project_id,
        e.group_key,
        q.session_id,
        q.seq,
        e.sdk_session_id,
        e.event_id,
        event_name,
        event_time,
        visitor_id,
        user_id,
        person_id,
        path,
        title,
        referrer_host,
        channel,
        utm_source,
        utm_medium,
        utm_campaign,
        browser,
        os,
        device_type,
        country,
        bronze_version,
        -- Client-sent numbers: a negative or non-numeric duration counts as none.
        case
            when event_name = 'page_leave'
                and json_valid(properties)
                and try_cast(json_extract_string(properties, '$.duration_ms') as double) >= 0
                then try_cast(json_extract_string(properties, '$.duration_ms') as double)
        end as duration_ms,
        case when event_name = 'web_vital' and json_valid(properties) then
            json_extract_string(properties, '$.name')
        end as vital_name,
        case when event_name = 'web_vital' and json_valid(properties) then
            try_cast(json_extract_string(properties, '$.value') as double)
        end as vital_value
    from scoped as e
    -- event_id is unique in silver (tested on the source): project_id adds nothing to the key.
    inner join sequenced as q on q.event_id = e.event_id
),


loaded as (
    select
        s.*,
        cast('{{ run_started_at.isoformat() }}' as timestamptz) as _loaded_at,
        {% if is_incremental() %}
        coalesce(
            f._first_loaded_at, cast('{{ run_started_at.isoformat() }}' as timestamptz)
        ) as _first_loaded_at
    from sessionized as s
    -- When the rebuilt groups' events first arrived (an event keeps its group_key).
    left join previous as f on f.event_id = s.event_id
        {% else %}
        cast('{{ run_started_at.isoformat() }}' as timestamptz) as _first_loaded_at
    from sessionized as s
        {% endif %}
)

select * from loaded
