{#- Breakdown `countries`: sessions by start day and country (first event's).
    Incremental: the days in int_touched_days are recomputed from all sessions that started on
    them (replace_scope: macros/incremental_marts.sql). -#}
{{
    config(
        alias='countries',
        materialized='incremental',
        incremental_strategy='replace_scope',
        unique_key=['project_id', 'day'],
        meta={'scope': 'int_touched_days'},
    )
}}
{%- set in_scope = mart_in_scope() %}
{%- set dims = ['country'] %}

with fct_sessions as (
    select * from {{ ref('fct_sessions') }}
),

int_touched_days as (
    select * from {{ ref('int_touched_days') }}
),

sessions as (
    {{
        rows_on_scope_days(
            'fct_sessions', 'started_at', 'int_touched_days', in_scope,
            ['project_id', 'started_at', 'visitor_id', 'pageviews', 'is_bounce', 'duration_s']
            + dims,
        )
    }}
)

{{ session_breakdown('sessions', dims) }}
