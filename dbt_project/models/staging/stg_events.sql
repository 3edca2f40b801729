with source as (
    select * from {{ source('lake', 'events') }}
),

renamed as (
    select
        event_id,
        project_id,
        event as event_name,
        event_time,
        visitor_id,
        session_id as sdk_session_id,
        user_id,
        person_id,
        path,
        title,
        referrer_host,
        channel,
        utm_source,
        utm_medium,
        utm_campaign,
        properties,
        browser,
        os,
        device_type,
        country,
        is_bot,
        bronze_version,
        event_date
    from source
)

select * from renamed
