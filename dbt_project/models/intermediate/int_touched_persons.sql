{#-
  Persons whose funnel rows (int_funnel_step_events, int_funnel_reach) are rebuilt in this run:
  every person an event of a touched visitor (a row of int_events_sessionized rebuilt since the
  marts' last build: new events; a visitor's identity only changes with a new event of its own)
  belonged to at the last build (int_funnel_step_events as built then, so a person whose events
  all moved to another person is cleared) or belongs to now. Any other person's events and
  identities are unchanged, and a person's funnel rows depend on their events alone. Empty
  when the funnel models are rebuilt in full (macros/incremental_funnels.sql).
  Grain (select distinct): one row per project and person.
-#}
{%- set since = funnel_loaded_until() %}
{%- set built = none %}
{%- if execute and since is not none %}
    {%- set built = adapter.get_relation(
        database=this.database, schema='intermediate', identifier='int_funnel_step_events') %}
    {%- if built is none or 'visitor_id' not in (adapter.get_columns_in_relation(built)
        | map(attribute='name') | map('lower') | list) %}
        {#- Only a table dropped or altered by hand gets here (the state that makes `since` was
            recorded after it was built): the persons it held are unknown. -#}
        {{ exceptions.raise_compiler_error(
            "int_funnel_step_events is missing or lacks visitor_id while int_mart_state is "
            ~ "current: run a --full-refresh build") }}
    {%- endif %}
{%- endif %}

with int_events_sessionized as (
    select * from {{ ref('int_events_sessionized') }}
),

int_events_persons as (
    select * from {{ ref('int_events_persons') }}
),

{% if since is none %}
touched as (
    select project_id, visitor_id from int_events_sessionized where false
)

select project_id, resolved_person_id as person_id
from int_events_persons
where false
{% else %}
touched as (
    select distinct project_id, visitor_id
    from int_events_sessionized
    where _loaded_at > {{ since }}
)

select project_id, resolved_person_id as person_id
from int_events_persons
where (project_id, visitor_id) in (select (project_id, visitor_id) from touched)
union
select project_id, person_id
from {{ built }}
where (project_id, visitor_id) in (select (project_id, visitor_id) from touched)
{% endif %}
