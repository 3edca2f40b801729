{#-
  Funnel reach per person (SPEC 4, PostHog's ordered mode). From every step-1 event ("attempt")
  the next step-2 event in pos order (int_funnel_step_events: time, ties in step order), then
  the next step-3 event, ... are taken, all within the window from the step-1 event, the limit
  included; other events may come between. Earliest-next is optimal, so an attempt's depth is
  the furthest step it can reach. A person counts once, at their deepest step; the step times
  (time from the previous step) come from the attempt that reached it first, among those the
  latest (PostHog's time to convert: the first conversion, by its shortest path). The
  dashboard's funnel_reach.py follows the same rule. Grain: one row per project, funnel,
  person and step reached. Incremental by person like int_funnel_step_events (the persons in
  int_touched_persons are deleted and recomputed).
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

with recursive int_touched_persons as (
    select * from {{ ref('int_touched_persons') }}
),

int_funnel_step_events as (
    select * from {{ ref('int_funnel_step_events') }}
    {% if in_scope %}
    where (project_id, person_id) in (select (project_id, person_id) from int_touched_persons)
    {% endif %}
),

attempts (
    project_id, funnel, person_id, start_pos, start_time, step, pos, event_time, window_s
) as (
    select project_id, funnel, person_id, pos, event_time, step, pos, event_time, window_s
    from int_funnel_step_events
    where step = 1
    union all
    select
        a.project_id,
        a.funnel,
        a.person_id,
        a.start_pos,
        a.start_time,
        a.step + 1,
        min(m.pos),
        arg_min(m.event_time, m.pos),
        a.window_s
    from attempts as a
    inner join int_funnel_step_events as m
        on m.project_id = a.project_id
        and m.funnel = a.funnel
        and m.person_id = a.person_id
        and m.step = a.step + 1
        and m.pos > a.pos
        and m.event_time <= a.start_time + to_seconds(a.window_s)
    group by a.project_id, a.funnel, a.person_id, a.start_pos, a.start_time, a.step, a.window_s
),

depths as (
    select
        project_id,
        funnel,
        person_id,
        start_pos,
        max(step) as depth,
        arg_max(event_time, step) as reached_at
    from attempts
    group by project_id, funnel, person_id, start_pos
),

best as (
    select
        project_id,
        funnel,
        person_id,
        arg_min(start_pos, (-depth, reached_at, -start_pos)) as start_pos
    from depths
    group by project_id, funnel, person_id
),

reached as (
    select
        a.project_id,
        a.funnel,
        a.person_id,
        a.step,
        a.event_time,
        date_diff(
            'microsecond',
            lag(a.event_time) over (
                partition by a.project_id, a.funnel, a.person_id order by a.step
            ),
            a.event_time
        ) / 1e6 as seconds_from_previous
    from attempts as a
    inner join best as b
        on b.project_id = a.project_id
        and b.funnel = a.funnel
        and b.person_id = a.person_id
        and b.start_pos = a.start_pos
)

select * from reached
