{#- Gold `page_views` (SPEC 3-4): int_page_views with person resolved through int_identity. The
    session's dimensions (entry/exit page, source, country, device) are copied onto each page
    view so that the dashboard filters page views by them directly instead of semi-joining
    millions of page views with sessions. Incremental: every page view of a visitor in
    int_touched_visitors is rebuilt (delete+insert on event_id: a page view never leaves silver
    but by erasure, which deletes it here too); its session, person and engaged time can only
    change with such a rebuild. -#}
{{
    config(
        alias='page_views',
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='event_id',
    )
}}

with int_page_views as (
    select * from {{ ref('int_page_views') }}
),

int_identity as (
    select * from {{ ref('int_identity') }}
),

int_sessions as (
    select * from {{ ref('int_sessions') }}
),

int_touched_visitors as (
    select * from {{ ref('int_touched_visitors') }}
),

{% if is_incremental() %}
page_views as (
    select * from int_page_views
    where (project_id, visitor_id) in (
        select (project_id, visitor_id) from int_touched_visitors
    )
),

sessions as (
    select * from int_sessions
    where (project_id, visitor_id) in (
        select (project_id, visitor_id) from int_touched_visitors
    )
),
{% else %}
page_views as (
    select * from int_page_views
),

sessions as (
    select * from int_sessions
),
{% endif %}

resolved as (
    select
        p.project_id,
        p.event_id,
        p.session_id,
        cast({{ resolve_person('p.user_id_raw', 'p.visitor_id', 'i.person_id') }} as varchar)
            as person_id,
        p.event_time,
        p.path,
        p.title,
        cast(p.engaged_ms as bigint) as engaged_ms,
        p.is_entry,
        p.is_exit,
        {{ session_dimensions('s') }},
        -- not published: what this run wrote (macros/rebuilt_tests.sql)
        cast('{{ run_started_at.isoformat() }}' as timestamptz) as _loaded_at
    from page_views as p
    left join int_identity as i
        on i.project_id = p.project_id and i.visitor_id = p.visitor_id
    left join sessions as s
        on s.project_id = p.project_id and s.session_id = p.session_id
)

select * from resolved
