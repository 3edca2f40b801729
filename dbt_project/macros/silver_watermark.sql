{#-
  int_events_sessionized finds silver's new rows by a watermark instead of anti-joining all of
  silver with itself (the group_key of 10 M rows alone cost ~5 s). Every enrichment batch
  stamps its rows with its target bronze version, and bronze versions only grow, so rows that
  arrived since the last build have bronze_version > W, the highest one in the build, or
  = W when a fixture or tool wrote one version for several batches (then >= W is used). The squash
  and compaction rewrite rows with their bronze_version kept; they bring no new event.
  The watermark is trusted only when the rows below it still match the build exactly by
  count per bronze_version (silver's human rows vs the build's): a row that arrived with an
  older version (a restore, a hand-written table), or one deleted from silver but not from the
  build, breaks it and the run falls back to the anti-join over all of silver.
-#}

{#- The predicate on bronze_version that finds the new rows, or none when the model must
    anti-join all of silver (first build, an older table without bronze_version, or rows below
    W that do not match). `bronze_version > W` when silver's rows AT W match the build's too
    (the usual case: each batch has its own version, so the rows at W are the last batch's,
    all built): after a cold load of 10 M rows, all at one version, `>= W` anti-joined all
    10 M rows with the build (~3 s). Else `>= W`. One query: a scan of silver's bronze_version
    and is_bot columns and of the build's bronze_version. -#}
{% macro silver_watermark(silver) %}
    {% if not execute or not is_incremental() %}{{ return(none) }}{% endif %}
    {% set rows = run_query(
        "with w as (select max(bronze_version) as w from " ~ this ~ "), "
        ~ "s as (select bronze_version as v, count(*) as n from " ~ silver
        ~ " where not is_bot and bronze_version <= (select w from w) group by all), "
        ~ "t as (select bronze_version as v, count(*) as n from " ~ this
        ~ " where bronze_version <= (select w from w) group by all), "
        ~ "d as (select v from s full join t using (v) where s.n is distinct from t.n) "
        ~ "select (select w from w), "
        ~ "(select count(*) from d where v < (select w from w)), "
        ~ "(select count(*) from d where v = (select w from w))"
    ).rows %}
    {% if rows[0][0] is none or rows[0][1] != 0 %}
        {% do log("int_events_sessionized: no usable watermark, anti-join over all of silver",
            info=true) %}
        {{ return(none) }}
    {% endif %}
    {{ return("bronze_version " ~ (">" if rows[0][2] == 0 else ">=") ~ " " ~ rows[0][0]) }}
{% endmacro %}

{#- Silver's human rows not in this table (same event_id, event_time and group), past the
    watermark (on both sides: file and row-group pruning): the rows a batch brings. -#}
{% macro new_silver_rows(silver, watermark) -%}
    select h.group_key, h.event_date
    from (
        select event_id, event_time, event_date, {{ session_group_key() }} as group_key
        from {{ silver }}
        where not is_bot
        {% if watermark is not none %}and {{ watermark }}{% endif %}
    ) as h
    anti join (
        select event_id, event_time, group_key from {{ this }}
        {% if watermark is not none %}where {{ watermark }}{% endif %}
    ) as t
        on t.event_id = h.event_id
        and t.event_time = h.event_time
        and t.group_key = h.group_key
{%- endmacro %}

{#- The days a rebuilt group's events lie on (its new rows' and its rows' here), as a SQL list
    of date literals, computed before the model runs: written as constants, silver's
    event_date partitions and row groups are skipped by their statistics, where an `in
    (subquery)` made DuckDB compute the group key of every row of silver (~2 CPU-s at 10 M).
    A semi join, not `group_key in (select ...)`: 0.2 against 1.6-2.3 CPU-s here at 10 M.
    Only valid with a watermark (below it silver holds exactly this table's rows). -#}
{% macro rebuilt_days(silver, watermark) %}
    {% if not execute %}{{ return("(null)") }}{% endif %}
    {% set rows = run_query(
        "with new_events as materialized (" ~ new_silver_rows(silver, watermark) ~ ") "
        ~ "select distinct d from (select event_date as d from new_events union "
        ~ "select cast(timezone('UTC', t.event_time) as date) from " ~ this ~ " as t "
        ~ "semi join (select distinct group_key from new_events) using (group_key)) "
        ~ "where d is not null order by d"
    ).rows %}
    {% if rows | length == 0 %}{{ return("(null)") }}{% endif %}
    {% set days = [] %}
    {% for r in rows %}{% do days.append("date '" ~ r[0] ~ "'") %}{% endfor %}
    {{ return("(" ~ days | join(", ") ~ ")") }}
{% endmacro %}
