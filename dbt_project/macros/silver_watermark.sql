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
