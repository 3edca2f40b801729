{#-
  Events that match a funnel step (event name, and the step's exact path or glob), with their
  position in the person's order for the funnel: event_time, then, for equal times, step order
  (the first step the event matches, then its steps as bits: bit k-1 for step k), then event_id
  (events equal in all that are interchangeable). So a step-k event at the same time as a
  step-(k-1) event comes after it, as PostHog counts ties; the dashboard's funnel_reach.py
  orders events the same way (tie_ranks). One event may match several steps (one row each,
  one pos). Grain: one row per event and funnel step.
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
),

-- one row per event and funnel: its steps, the first, and all as bits (for equal times); a
-- window partitioned by event_id instead cost ~1 CPU s more at 10 M events
per_event as (
    select
        project_id,
        person_id,
        event_id,
        event_time,
        funnel,
        window_s,
        list(step order by step) as steps,
        min(step) as first_step,
        bit_or(1 << (step - 1)) as steps_mask
    from matched
    group by all
),

ranked as (
    select
        *,
        row_number() over (
            partition by project_id, funnel, person_id
            order by event_time, first_step, steps_mask, event_id
        ) as pos
    from per_event
)

select
    project_id,
    person_id,
    event_id,
    event_time,
    funnel,
    unnest(steps) as step,
    window_s,
    first_step,
    steps_mask,
    pos
from ranked
