{#- Gold `page_views` (SPEC 3-4): a table over the incremental int_page_views, person resolved
    through int_identity on every build. -#}
{{ config(alias='page_views') }}

with int_page_views as (
    select * from {{ ref('int_page_views') }}
),

int_identity as (
    select * from {{ ref('int_identity') }}
)

select
    p.project_id,
    p.event_id,
    p.session_id,
    cast({{ resolve_person('p.person_id_raw', 'p.visitor_id', 'i.person_id') }} as varchar)
        as person_id,
    p.event_time,
    p.path,
    p.title,
    cast(p.engaged_ms as bigint) as engaged_ms,
    p.is_entry,
    p.is_exit
from int_page_views as p
left join int_identity as i
    on i.project_id = p.project_id and i.visitor_id = p.visitor_id
