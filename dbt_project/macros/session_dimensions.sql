{#- A session's dimensions, from its first event (SPEC 4), as `alias.column` in the order of gold
    `sessions` and `page_views` (lake.registry.SESSION_DIMS; the contracts hold them to it). -#}
{% macro session_dimensions(alias) -%}
    {%- set columns = [
        'entry_path', 'exit_path', 'channel', 'referrer_host', 'utm_source', 'utm_medium',
        'utm_campaign', 'country', 'browser', 'os', 'device_type',
    ] -%}
    {%- for c in columns %}{{ alias }}.{{ c }}{{ ',' if not loop.last }}
        {% endfor -%}
{%- endmacro %}
