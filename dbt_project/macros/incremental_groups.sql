{#- The groups (visitor x SDK session) int_events_sessionized rebuilt since this model last ran.
    Models downstream of it rebuild exactly those groups (delete+insert on group_key). -#}
{% macro rebuilt_groups(upstream) %}
    select distinct group_key
    from {{ upstream }}
    where _loaded_at > (
        select coalesce(max(_loaded_at), '-infinity'::timestamptz) from {{ this }}
    )
{% endmacro %}
