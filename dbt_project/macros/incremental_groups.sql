{#- A filter on int_events_sessionized for the rows of the groups (visitor x SDK session) it
    rebuilt since this model last ran; models downstream of it rebuild exactly those groups
    (delete+insert on group_key). int_events_sessionized rebuilds a group whole, stamping every
    row with the run's _loaded_at (only erasure deletes rows otherwise), so a group's rows
    share one _loaded_at and "_loaded_at after this table's latest" picks whole groups. A
    literal, not a subquery: DuckDB then skips the row groups by their min/max (the rebuilt
    rows were appended last), where `group_key in (...)` hashed every group_key of the table. -#}
{% macro rebuilt_since_last_run() %}
    {%- if not execute %}{{ return('true') }}{% endif -%}
    {%- set latest = run_query(
        "select cast(max(_loaded_at) as varchar) from " ~ this).rows[0][0] -%}
    {%- if latest is none %}{{ return('true') }}{% endif -%}
    {{- return("_loaded_at > cast('" ~ latest ~ "' as timestamptz)") -}}
{% endmacro %}
