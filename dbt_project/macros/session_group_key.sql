{#- The unit sessionization works on and incremental models rebuild: one visitor's events with
    one SDK session_id, or all of the visitor's events without one ('v'). -#}
{% macro session_group_key() -%}
    project_id || chr(31) || visitor_id || chr(31) || coalesce('s' || sdk_session_id, 'v')
{%- endmacro %}
