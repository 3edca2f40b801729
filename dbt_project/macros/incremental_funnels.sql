{#-
  Person-incremental funnels. A person's funnel rows (int_funnel_step_events, int_funnel_reach)
  depend on all of that person's events and nothing else, so a run rebuilds only the persons in
  int_touched_persons. int_mart_state also records a digest of the funnel definitions: when
  they changed (or the state predates the digest), the funnel models are rebuilt in full.
-#}

{#- SQL for the digest of the funnel definitions (every column of lake.funnel_steps_def, which
    the lake plugin loads from the funnel file when dbt connects). A relation name, not a ref:
    int_mart_state and the funnel models' macros both read it. -#}
{% macro funnel_defs_digest() -%}
    (select coalesce(md5(string_agg(
        concat_ws(chr(31), funnel, step, step_name, event_name,
            coalesce(path_pattern, chr(0)), window_s),
        chr(30) order by funnel, step)), '')
    from {{ api.Relation.create(database=this.database, schema='lake',
        identifier='funnel_steps_def') }})
{%- endmacro %}

{#- mart_loaded_until() when the funnel models may be built incrementally (the state recorded
    the current funnel definitions), else none (rebuild them in full). -#}
{% macro funnel_loaded_until() %}
    {% if not execute %}{{ return(none) }}{% endif %}
    {% set since = mart_loaded_until() %}
    {% if since is none %}{{ return(none) }}{% endif %}
    {% set state = mart_state_relation() %}
    {% set have = adapter.get_columns_in_relation(state) | map(attribute='name')
        | map('lower') | list %}
    {% if 'funnels' not in have %}{{ return(none) }}{% endif %}
    {% set same = run_query(
        "select s.funnels = " ~ funnel_defs_digest() ~ " from " ~ state ~ " as s limit 1"
    ).rows[0][0] %}
    {{ return(since if same else none) }}
{% endmacro %}

{#- True when this run of a funnel model reads only the persons in int_touched_persons. -#}
{% macro funnel_in_scope() %}
    {{ return(is_incremental() and funnel_loaded_until() is not none) }}
{% endmacro %}
