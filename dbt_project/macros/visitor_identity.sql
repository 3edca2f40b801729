{#- A visitor's identity (SPEC 4): the first user_id among its human events in the project
    (order event_time, then event_id). One definition for int_identity and for the identity
    int_touched_person_days recomputes from the events of an earlier build. -#}
{% macro visitor_identity(events, where='true') -%}
    select
        project_id,
        visitor_id,
        arg_min(user_id, (event_time, event_id)) as person_id,
        min(event_time) as identified_at
    from {{ events }}
    where user_id is not null and user_id <> '' and ({{ where }})
    group by project_id, visitor_id
{%- endmacro %}
