{#- The base of the session ids of a visitor that shares its SDK session_id with a visitor who
    sent it first (int_events_sessionized): the SDK session_id, '~', the first 8 hex digits of
    md5(visitor_id). Deterministic and unique per visitor for all practical purposes, and
    computable outside dbt (streamlit_app/session_ids.py: the dashboard finds a session's SDK
    session_id from it). -#}
{% macro session_base(sdk_session_id, visitor_id) -%}
    {{ sdk_session_id }} || '~' || left(md5({{ visitor_id }}), 8)
{%- endmacro %}
