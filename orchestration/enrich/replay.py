"""`replay` events → silver `replay_chunks` rows (SPEC 7), as DuckDB SQL.

The browser SDK's replay event carries `properties.seq` (chunk order within the session),
`first_ts`/`last_ts` (epoch ms), `count` and `data`: the rrweb events as gzip+base64 (`enc`
"gzip-base64") or JSON text (`enc` "json", sent on page hide), possibly cut into `part`/`parts`
(see sdk/js/src/replay-pack.js). Those are kept as they came: the payload is the whole properties
JSON and `lake.replay_codec` decodes it (joining parts). A plain `properties.events` list of
rrweb events (each with a `timestamp` in epoch ms) is kept as that list's JSON text. A chunk
without a session_id is keyed by its visitor_id so it is never lost.
"""

from __future__ import annotations

PAYLOAD = "coalesce(try(json_extract(properties, '$.events'))::varchar, properties, '[]')"
_TS = "try(json_extract(properties, '$.events[*].timestamp')::double[])"


def _ms(key: str) -> str:
    return f"try_cast(try(json_extract_string(properties, '$.{key}')) as double)"


REPLAY_SQL = f"""
-- replay_chunks columns from the `timed` view's replay rows
select event_id, project_id, coalesce(nullif(session_id, ''), visitor_id) as session_id,
  visitor_id,
  coalesce(try_cast(try(json_extract_string(properties, '$.seq')) as bigint), 0) as seq,
  to_timestamp(coalesce(list_min({_TS}), {_ms("first_ts")}) / 1000.0) as first_ts,
  to_timestamp(coalesce(list_max({_TS}), {_ms("last_ts")}) / 1000.0) as last_ts,
  coalesce(try(json_array_length(properties, '$.events')),
    try_cast({_ms("count")} as bigint), 0)::bigint as event_count,
  {PAYLOAD} as payload, received_at, cast(event_time as date) as event_date
from timed where event = 'replay'
"""
