{#- Silver's person where enrichment resolved one; else the visitor's identified user; else the
    visitor itself (see int_identity). -#}
{% macro resolve_person(person_col, visitor_col, identified_col) -%}
    case
        when {{ person_col }} is not null and {{ person_col }} <> {{ visitor_col }}
            then {{ person_col }}
        else coalesce({{ identified_col }}, {{ visitor_col }})
    end
{%- endmacro %}
