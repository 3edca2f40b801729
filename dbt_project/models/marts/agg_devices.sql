{#- Breakdown `devices`: sessions by start day, device type, browser and OS. -#}
{{ config(alias='devices') }}

with fct_sessions as (
    select * from {{ ref('fct_sessions') }}
)

{{ session_breakdown('fct_sessions', ['device_type', 'browser', 'os']) }}
