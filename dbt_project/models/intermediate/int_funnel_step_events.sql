{#-
  Events that match a funnel step (event name, and the step's exact path or glob), with their
  position in the person's time order (event_time, then event_id: a deterministic order for
  equal times). One event may match several steps. Grain: one row per event and funnel step.
-#}
with int_events_persons as (
    select * from {{ ref('int_events_persons') }}
),

stg_funnel_steps as (
    select * from {{ ref('stg_funnel_steps') }}
),

matched as (
    select
        e.project_id,
        e.resolved_person_id as person_id,
        e.event_id,
        e.event_time,
        s.funnel,
        s.step,
        s.window_s
    from int_events_persons as e
    inner join stg_funnel_steps as s
        on s.event_name = e.event_name
        and (s.path_pattern is null or e.path like s.path_pattern escape '\')
)

select
    *,
    dense_rank() over (
        partition by project_id, person_id order by event_time, event_id
    ) as pos
from matched
