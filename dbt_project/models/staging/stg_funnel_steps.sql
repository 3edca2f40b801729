with source as (
    select * from {{ source('lake', 'funnel_steps_def') }}
),

renamed as (
    select
        funnel,
        step,
        step_name,
        event_name,
        path_pattern,
        window_s
    from source
)

select * from renamed
