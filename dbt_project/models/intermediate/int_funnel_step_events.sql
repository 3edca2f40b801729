{#-
  Events that match a funnel step (event name, and the step's exact path or glob), with their
  position in the person's order for the funnel: event_time, then, for equal times, step order
  (the first step the event matches, then its steps as bits: bit k-1 for step k), then event_id
  (events equal in all that are interchangeable). So a step-k event at the same time as a
  step-(k-1) event comes after it, as PostHog counts ties; the dashboard's funnel_reach.py
  orders events the same way (tie_ranks). One event may match several steps (one row each,
  one pos). Grain: one row per event and funnel step.
  Incremental by person (a person's rows depend on their events alone): the persons in
  int_touched_persons are deleted and rebuilt from all their events (replace_scope,
  macros/incremental_funnels.sql); in full when the funnel definitions changed.
-#}
{{
    config(
        materialized='incremental',
        incremental_strategy='replace_scope',
        unique_key=['project_id', 'person_id'],
        meta={'scope': 'int_touched_persons', 'state': 'funnels'},
    )
}}
{%- set in_scope = funnel_in_scope() %}

with int_events_persons as (
    select * from {{ ref('int_events_persons') }}
),

stg_funnel_steps as (
    select * from {{ ref('stg_funnel_steps') }}
),

int_identity as not materialized (
    select * from {{ ref('int_identity') }}
),

int_touched_persons as (
    select * from {{ ref('int_touched_persons') }}
),

int_events_sessionized as not materialized (
    select * from {{ ref('int_events_sessionized') }}
),

{% if in_scope %}
-- The visitors whose events can resolve to a touched person (resolve_person: their own
-- user_id, else their identity, else the visitor itself).
candidates as (
    select project_id, person_id as visitor_id from int_touched_persons
    union
    select i.project_id, i.visitor_id
    from int_identity as i
    semi join int_touched_persons as t
        on t.project_id = i.project_id and t.person_id = i.person_id
    union
    select e.project_id, e.visitor_id
    from int_events_sessionized as e
    semi join int_touched_persons as t
        on t.project_id = e.project_id and t.person_id = e.user_id
),

-- Their events, resolved as int_events_persons resolves them, then only those of a touched
-- person. The candidates are joined before the identities: filtering int_events_persons (the
-- view) resolved all 8.6 M events first at 10 M (~1.2 against ~0.6 CPU s for the model).
events as (
    select *
    from (
        select
            e.*,
            {{ resolve_person('e.user_id', 'e.visitor_id', 'i.person_id') }} as resolved_person_id
        from int_events_sessionized as e
        semi join candidates as c
            on c.project_id = e.project_id and c.visitor_id = e.visitor_id
        left join int_identity as i
            on i.project_id = e.project_id and i.visitor_id = e.visitor_id
    ) as r
    semi join int_touched_persons as t
        on t.project_id = r.project_id and t.person_id = r.resolved_person_id
),
{% else %}
events as (
    select * from int_events_persons
),
{% endif %}

matched as (
    select
        e.project_id,
        e.resolved_person_id as person_id,
        e.visitor_id,
        e.event_id,
        e.event_time,
        s.funnel,
        s.step,
        s.window_s
    from events as e
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
        visitor_id,
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
    visitor_id,
    event_id,
    event_time,
    funnel,
    unnest(steps) as step,
    window_s,
    first_step,
    steps_mask,
    pos
from ranked
