{#- Layers get plain schema names (staging, intermediate, marts), not target_schema prefixed:
    publish_gold reads marts.<table> from the DuckDB file. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
  {{ custom_schema_name if custom_schema_name is not none else target.schema }}
{%- endmacro %}
