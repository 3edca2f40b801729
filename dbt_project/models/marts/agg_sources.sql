{#- Breakdown `sources`: sessions by start day, channel, referrer host and UTM (first event). -#}
{{ config(alias='sources') }}

with fct_sessions as (
    select * from {{ ref('fct_sessions') }}
)

{{ session_breakdown('fct_sessions', ['channel', 'referrer_host', 'utm_source', 'utm_medium', 'utm_campaign']) }}
