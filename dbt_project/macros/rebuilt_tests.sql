{#-
  Marts' data tests scoped to what a micro-batch rebuilt (docs/benchmarks.md, issue 4).

  fct_sessions and fct_page_views stamp every row they write with the run (`_loaded_at`, not
  published). A row written after int_mart_state's loaded_until (the start of the last run in
  which every incremental mart and its tests passed) has not been tested yet; every older row
  passed these tests then and is unchanged since (the marts only delete+insert; erasure, the
  other writer, deletes and forces a full rebuild: mart_loaded_until() is then none). So a test
  whose meta has `rebuilt` reads, in a micro-batch (BEACONLAKE_SCOPED_TESTS=1, set by
  run_dbt_build and the Dagster micro-batch), only:
  - `rebuilt: {}`: the rows written since (a row-wise test: not_null, accepted_range, ...);
  - `rebuilt: {keys: [k, ...], tables: [t, ...]}`: every row of the tested relation whose keys
    equal those of a row written since into one of `tables` (identifiers in its schema; default
    itself). `unique` on the keys then also sees a kept row duplicating a rebuilt one, and
    `relationships` every child of a rebuilt parent's key.
  Everywhere else (a full or first build, after an erasure, a manual or daily `dbt build`) the
  test reads the whole relation. dbt's `where` config still applies on top.
-#}

{% macro duckdb__get_where_subquery(relation) -%}
    {%- set rebuilt = (config.get('meta') or {}).get('rebuilt') -%}
    {%- set since = rebuilt_since(relation) if rebuilt is not none else none -%}
    {%- if since is none -%}
        {{ return(dbt.default__get_where_subquery(relation)) }}
    {%- endif -%}
    {%- set keys = rebuilt.get('keys') or [] -%}
    {%- set where = config.get('where', '') -%}
    {%- set scoped -%}
    (select dbt_r.* from {{ relation }} as dbt_r
    {%- if keys %}
    semi join (
        {%- for t in rebuilt.get('tables') or [relation.identifier] %}
        select {{ keys | join(', ') }}
        from {{ relation.incorporate(path={'identifier': t}) }}
        where _loaded_at > {{ since }}
        {{- ' union' if not loop.last }}
        {%- endfor %}
    ) as dbt_k on {% for k in keys %}dbt_k.{{ k }} = dbt_r.{{ k }}{{ ' and ' if not loop.last }}{% endfor %}
    where true
    {%- else %}
    where dbt_r._loaded_at > {{ since }}
    {%- endif %}
    {%- if where %} and ({{ where }}){% endif %}) dbt_subquery
    {%- endset -%}
    {{ return(scoped) }}
{%- endmacro %}

{#- The SQL literal rows written after which are untested, or none: test everything. -#}
{% macro rebuilt_since(relation) %}
    {% if not execute or env_var('BEACONLAKE_SCOPED_TESTS', '') != '1' %}
        {{ return(none) }}
    {% endif %}
    {{ return(mart_loaded_until(relation.database)) }}
{% endmacro %}

{#- dbt's relationships test; when the child side is scoped to rebuilt rows (above), the parent
    is read only for the keys the children name, so the few children are hashed and the parent
    scanned, instead of every parent key hashed for a few probes. Same rows either way. -#}
{% macro duckdb__test_relationships(model, column_name, to, field) %}
{%- set scoped = (config.get('meta') or {}).get('rebuilt') is not none
    and rebuilt_since(to) is not none %}
with child as (
    select {{ column_name }} as from_field
    from {{ model }}
    where {{ column_name }} is not null
),

parent as (
    select {{ field }} as to_field
    from {{ to }}
    {%- if scoped %}
    where {{ field }} in (select from_field from child)
    {%- endif %}
)

select from_field
from child
left join parent
    on child.from_field = parent.to_field
where parent.to_field is null
{% endmacro %}
