with source as (
    select * from {{ source('lake', 'replay_chunks') }}
),

renamed as (
    select
        project_id,
        session_id as sdk_session_id,
        visitor_id,
        seq,
        first_ts as first_at,
        last_ts as last_at
    from source
)

select * from renamed
