{#-
  Incremental marts. int_mart_state (built after every incremental mart, so only when all of
  them succeeded) records the run that last brought the marts up to date (loaded_until) and
  how many rows int_events_sessionized had then. The scope models (int_touched_visitors,
  int_touched_days, int_touched_person_days) read it to find what changed since; the marts
  rebuild only that. The marts are rebuilt in full ("full scope") when there is no state yet,
  or when int_events_sessionized lost rows since (erasure deletes them from the build file:
  its row count is then below the recorded count plus the events that arrived since).
-#}

{#- int_mart_state's relation, or none before it was first built (not a ref: it depends on the
    marts that read it). -#}
{% macro mart_state_relation(database=none) %}
    {% if not execute %}{{ return(none) }}{% endif %}
    {{ return(adapter.get_relation(
        database=database or this.database, schema='intermediate',
        identifier='int_mart_state')) }}
{% endmacro %}

{#- The SQL literal of the state's loaded_until, or none when the marts must be rebuilt in full.
    Runs two small queries: the state row, and the row counts of int_events_sessionized.
    `database`: the build's (default: this model's; a test passes its relation's). -#}
{% macro mart_loaded_until(database=none) %}
    {% if not execute %}{{ return(none) }}{% endif %}
    {% set state = mart_state_relation(database) %}
    {% if state is none %}{{ return(none) }}{% endif %}
    {% set events = adapter.get_relation(
        database=database or this.database, schema='intermediate',
        identifier='int_events_sessionized') %}
    {% if events is none %}{{ return(none) }}{% endif %}
    {% set rows = run_query(
        "select cast(s.loaded_until as varchar), s.events, "
        ~ "(select count(*) from " ~ events ~ "), "
        ~ "(select count(*) from " ~ events ~ " where _first_loaded_at > s.loaded_until) "
        ~ "from " ~ state ~ " as s limit 1"
    ).rows %}
    {% if rows | length == 0 or rows[0][0] is none %}{{ return(none) }}{% endif %}
    {% if rows[0][2] - rows[0][3] != rows[0][1] %}{{ return(none) }}{% endif %}
    {{ return("cast('" ~ rows[0][0] ~ "' as timestamptz)") }}
{% endmacro %}

{#- Custom incremental strategy: delete the target's rows whose unique_key columns are in the
    scope model named by `meta.scope` (if any) or among the new rows (every row in a full-scope
    run: `meta.state: funnels` takes funnel_loaded_until()'s verdict,
    macros/incremental_funnels.sql), then insert the new rows. Unlike delete+insert it also clears scope keys that now have no
    rows (a day whose sessions all moved to the day before). One transaction, like the other
    strategies. -#}
{% macro get_incremental_replace_scope_sql(arg_dict) %}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set keys = arg_dict['unique_key'] -%}
    {%- set cols = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- set state = (config.get('meta') or {}).get('state') -%}
    {%- set since = funnel_loaded_until() if state == 'funnels' else mart_loaded_until() -%}
    {%- if since is none %}
    delete from {{ target }};
    {%- else %}
    delete from {{ target }}
    where ({{ keys | join(', ') }}) in (
        {%- if (config.get('meta') or {}).get('scope') %}
        select ({{ keys | join(', ') }}) from {{ ref(config.get('meta')['scope']) }}
        union all
        {%- endif %}
        select ({{ keys | join(', ') }}) from {{ source }}
    );
    {%- endif %}
    insert into {{ target }} ({{ cols }})
    select {{ cols }} from {{ source }}
{% endmacro %}

{#- True when this run of an incremental mart reads only the rows of its scope (meta.scope);
    false for a full build, and when the scope holds every key the table has (then every row
    is read without the semi join, which would only cost time: e.g. events_by_name when
    identifies changed the persons of visitors active on every day). -#}
{% macro mart_in_scope() %}
    {% if not is_incremental() or mart_loaded_until() is none %}{{ return(false) }}{% endif %}
    {% set keys = config.get('unique_key') | join(', ') %}
    {% set left = run_query(
        "select count(*) from (select " ~ keys ~ " from " ~ this ~ " except select " ~ keys
        ~ " from " ~ ref(config.get('meta')['scope']) ~ ")").rows[0][0] %}
    {{ return(left > 0) }}
{% endmacro %}

{#- `columns` of the rows of `rel` whose UTC day of `ts_col` is one of the scope's days (all rows
    when not in_scope). A hash semi join: an IN over (project, day) tuples costs twice as much on
    a scope of every day; the range test first spares most rows the time zone conversion. Name
    the columns: with r.* DuckDB carried every column of a view through the join (2x slower). -#}
{% macro rows_on_scope_days(rel, ts_col, scope, in_scope, columns) -%}
    select {% for c in columns %}r.{{ c }}{{ ', ' if not loop.last }}{% endfor %}
    from {{ rel }} as r
    {%- if in_scope %}
    semi join {{ scope }} as s
        on s.project_id = r.project_id
        and s.day = cast(timezone('UTC', r.{{ ts_col }}) as date)
    where r.{{ ts_col }} >= (select min(day) from {{ scope }})
        and r.{{ ts_col }} < (select max(day) from {{ scope }}) + interval 1 day
    {%- endif %}
{%- endmacro %}

{#- dbt's should_full_refresh, plus: an incremental model whose table lacks a column its yml
    documents was built by older code (e.g. before _first_loaded_at) and is rebuilt in full
    instead of failing or mixing shapes. -#}
{% macro should_full_refresh() %}
    {% set config_full_refresh = config.get('full_refresh') %}
    {% if config_full_refresh is none %}
        {% set config_full_refresh = flags.FULL_REFRESH %}
    {% endif %}
    {% if config_full_refresh or not execute or model is not defined %}
        {% do return(config_full_refresh) %}
    {% endif %}
    {% if model.get('resource_type') != 'model'
        or model.get('config', {}).get('materialized') != 'incremental' %}
        {% do return(config_full_refresh) %}
    {% endif %}
    {% set relation = adapter.get_relation(this.database, this.schema, this.identifier) %}
    {% if relation is none %}{% do return(config_full_refresh) %}{% endif %}
    {% set have = adapter.get_columns_in_relation(relation) | map(attribute='name')
        | map('lower') | list %}
    {% for name in model.get('columns', {}).keys() %}
        {% if name | lower not in have %}{% do return(true) %}{% endif %}
    {% endfor %}
    {% do return(config_full_refresh) %}
{% endmacro %}

{#- A post-hook of marts that update their rows from their own previous contents (not only
    from upstream tables): records, in the table's comment and inside the build's transaction,
    the run that built it, so built_with_state() can tell whether it holds what it held when
    int_mart_state was last recorded. -#}
{% macro mark_built() -%}
    comment on table {{ this }} is 'built {{ run_started_at.isoformat() }}'
{%- endmacro %}

{#- True when this table was last built in the run that last recorded int_mart_state (its
    loaded_until = that run's start), i.e. it holds the figures as of mart_loaded_until(). Not
    so when a later run built it but another mart failed (the state stayed behind), or it was
    never marked: then the model must recompute its scope from the rows instead. -#}
{% macro built_with_state() %}
    {% if not execute or not is_incremental() %}{{ return(false) }}{% endif %}
    {% set state = mart_state_relation() %}
    {% if state is none %}{{ return(false) }}{% endif %}
    {% set rows = run_query(
        "select s.loaded_until = try_cast(regexp_extract(t.comment, '^built (.+)$', 1) "
        ~ "as timestamptz) from " ~ state ~ " as s, duckdb_tables() as t "
        ~ "where t.database_name = '" ~ this.database ~ "' and t.schema_name = '"
        ~ this.schema ~ "' and t.table_name = '" ~ this.identifier ~ "'"
    ).rows %}
    {{ return(rows | length == 1 and rows[0][0] == true) }}
{% endmacro %}
