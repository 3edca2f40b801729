{#-
  What the incremental marts were last brought up to date with: the start of this dbt run
  (loaded_until) and the rows of int_events_sessionized then (a lower count later, net of the
  events that arrived since, means erasure deleted rows: the marts are rebuilt in full). Built
  after every incremental mart, so a run in which one of them failed or was skipped leaves the
  previous state and the next run rebuilds everything changed since then
  (macros/incremental_marts.sql). funnels: the digest of the funnel definitions the funnel
  models were built with (macros/incremental_funnels.sql). Grain: one row.
-#}
-- depends_on: {{ ref('fct_sessions') }}
-- depends_on: {{ ref('fct_page_views') }}
-- depends_on: {{ ref('agg_daily_stats') }}
-- depends_on: {{ ref('agg_top_pages') }}
-- depends_on: {{ ref('agg_entry_exit_pages') }}
-- depends_on: {{ ref('agg_sources') }}
-- depends_on: {{ ref('agg_devices') }}
-- depends_on: {{ ref('agg_countries') }}
-- depends_on: {{ ref('agg_events_by_name') }}
-- depends_on: {{ ref('agg_web_vitals') }}
-- depends_on: {{ ref('int_funnel_step_events') }}
-- depends_on: {{ ref('int_funnel_reach') }}

with int_events_sessionized as (
    select * from {{ ref('int_events_sessionized') }}
)

select
    cast('{{ run_started_at.isoformat() }}' as timestamptz) as loaded_until,
    count(*) as events,
    {{ funnel_defs_digest() }} as funnels
from int_events_sessionized
