{#- Breakdown `countries`: sessions by start day and country (first event's). -#}
{{ config(alias='countries') }}

with fct_sessions as (
    select * from {{ ref('fct_sessions') }}
)

{{ session_breakdown('fct_sessions', ['country']) }}
