{#-
  int_events_sessionized finds silver's new rows by a watermark instead of anti-joining all of
  silver with itself (the group_key of 10 M rows alone cost ~5 s). Every enrichment batch
  stamps its rows with its target bronze version, and bronze versions only grow, so rows that
  arrived since the last build have bronze_version >= W, the highest one in the build
  (>=, not >: a fixture or tool writing one version for every batch is still found). The squash
  and compaction rewrite rows with their bronze_version kept; they bring no new event.
  The watermark is trusted only when the rows below it still match the build exactly by
  count per bronze_version (silver's human rows vs the build's): a row that arrived with an
  older version (a restore, a hand-written table), or one deleted from silver but not from the
  build, breaks it and the run falls back to the anti-join over all of silver.
-#}

{#- W as a SQL literal, or none when the model must anti-join all of silver (first build, an
    older table without bronze_version, or rows below W that do not match). One query: a scan
    of silver's bronze_version and is_bot columns and of the build's bronze_version. -#}
{% macro silver_watermark(silver) %}
    {% if not execute or not is_incremental() %}{{ return(none) }}{% endif %}
    {% set rows = run_query(
        "with w as (select max(bronze_version) as w from " ~ this ~ "), "
        ~ "s as (select bronze_version as v, count(*) as n from " ~ silver
        ~ " where not is_bot and bronze_version < (select w from w) group by all), "
        ~ "t as (select bronze_version as v, count(*) as n from " ~ this
        ~ " where bronze_version < (select w from w) group by all) "
        ~ "select (select w from w), (select count(*) from s full join t using (v) "
        ~ "where s.n is distinct from t.n)"
    ).rows %}
    {% if rows[0][0] is none or rows[0][1] != 0 %}
        {% do log("int_events_sessionized: no usable watermark, anti-join over all of silver",
            info=true) %}
        {{ return(none) }}
    {% endif %}
    {{ return(rows[0][0] | string) }}
{% endmacro %}

{#- Silver's human rows not in this table (same event_id, event_time and group), at or above
    the watermark W (on both sides: file and row-group pruning): the rows a batch brings. -#}
{% macro new_silver_rows(silver, watermark) -%}
    select h.group_key, h.event_date
    from (
        select event_id, event_time, event_date, {{ session_group_key() }} as group_key
        from {{ silver }}
        where not is_bot
        {% if watermark is not none %}and bronze_version >= {{ watermark }}{% endif %}
    ) as h
    anti join (
        select event_id, event_time, group_key from {{ this }}
        {% if watermark is not none %}where bronze_version >= {{ watermark }}{% endif %}
    ) as t
        on t.event_id = h.event_id
        and t.event_time = h.event_time
        and t.group_key = h.group_key
{%- endmacro %}

{#- The days a rebuilt group's events lie on (its new rows' and its rows' here), as a SQL list
    of date literals, computed before the model runs: written as constants, silver's
    event_date partitions and row groups are skipped by their statistics, where an `in
    (subquery)` made DuckDB compute the group key of every row of silver (~2 CPU-s at 10 M).
    Only valid with a watermark (below it silver holds exactly this table's rows). -#}
{% macro rebuilt_days(silver, watermark) %}
    {% if not execute %}{{ return("(null)") }}{% endif %}
    {% set rows = run_query(
        "with new_events as (" ~ new_silver_rows(silver, watermark) ~ ") "
        ~ "select distinct d from (select event_date as d from new_events union "
        ~ "select cast(timezone('UTC', event_time) as date) from " ~ this
        ~ " where group_key in (select group_key from new_events)) where d is not null order by d"
    ).rows %}
    {% if rows | length == 0 %}{{ return("(null)") }}{% endif %}
    {% set days = [] %}
    {% for r in rows %}{% do days.append("date '" ~ r[0] ~ "'") %}{% endfor %}
    {{ return("(" ~ days | join(", ") ~ ")") }}
{% endmacro %}
