"""`replay` events → silver `replay_chunks` rows (SPEC 7), as DuckDB SQL.

The SDK's replay event carries `properties.seq` (chunk order within the session) and
`properties.events` (the rrweb events, each with a `timestamp` in epoch ms). The payload kept is
`properties.events` as JSON text (the whole properties when that key is absent). A chunk without
a session_id is keyed by its visitor_id so it is never lost.
"""

from __future__ import annotations

PAYLOAD = "coalesce(try(json_extract(properties, '$.events'))::varchar, properties, '[]')"
_TS = "try(json_extract(properties, '$.events[*].timestamp')::double[])"


REPLAY_SQL = f"""
-- replay_chunks columns from the `timed` view's replay rows
select event_id, project_id, coalesce(nullif(session_id, ''), visitor_id) as session_id,
  visitor_id,
  coalesce(try_cast(try(json_extract_string(properties, '$.seq')) as bigint), 0) as seq,
  to_timestamp(list_min({_TS}) / 1000.0) as first_ts,
  to_timestamp(list_max({_TS}) / 1000.0) as last_ts,
  coalesce(try(json_array_length(properties, '$.events')), 0)::bigint as event_count,
  {PAYLOAD} as payload, received_at, cast(event_time as date) as event_date
from timed where event = 'replay'
"""
