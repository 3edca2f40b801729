{#- A human event's person (SPEC 4): its own user_id; else the visitor's identified user
    (int_identity: the visitor's first user_id in the project); else the visitor itself. The
    same rule as silver's person_id, computed here from the events alone: silver's person_id of
    an anonymous row may still be the visitor_id (enriched before the identify, until the daily
    squash) and is never read, so gold does not depend on when silver was rewritten. -#}
{% macro resolve_person(user_col, visitor_col, identified_col) -%}
    coalesce(nullif({{ user_col }}, ''), {{ identified_col }}, {{ visitor_col }})
{%- endmacro %}
