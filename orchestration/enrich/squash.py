"""The person_id squash: silver's earlier anonymous rows get their visitor's person at last.

With `silver_person_rewrite="maintenance"` a micro-batch only appends, so rows enriched before
their visitor's first identify keep the visitor_id as person_id (identity.py). The daily
maintenance (under the pipeline lock) calls `squash()`: ONE Delta merge of the rows whose
person_id differs from identity.py's rule computed over all of silver, updating person_id only.
A second run finds nothing and commits nothing. It does not touch the enrichment cursor.
The dbt build after it rebuilds nothing for it: int_events_sessionized finds new rows by
event_id and bronze_version, which the squash keeps, and gold never reads silver's person_id.
"""

from __future__ import annotations

import logging
import time

import pyarrow as pa
from deltalake.exceptions import CommitFailedError

from lake import duck
from lake.io import open_table
from lake.registry import EVENTS

log = logging.getLogger(__name__)

KEY = ("event_id", "event_date")

STALE_ROWS = """
with first_user as (
  select visitor_id, arg_min(user_id, (event_time, event_id)) as uid
  from events where user_id is not null group by visitor_id
)
select e.event_id, e.event_date, coalesce(f.uid, e.visitor_id) as person_id
from events e left join first_user f using (visitor_id)
where e.user_id is null and e.person_id is distinct from coalesce(f.uid, e.visitor_id)
"""


def stale_rows(root: str | None = None) -> pa.Table:
    """(event_id, event_date, person_id) of every silver row whose person_id is not the rule's."""
    from orchestration.enrich.run import connect

    con = connect()
    try:
        duck.register(con, EVENTS, root)
        rows = con.sql(STALE_ROWS).to_arrow_table()
    finally:
        con.close()
    return rows.cast(pa.schema([EVENTS.schema.field(c) for c in (*KEY, "person_id")]))


def squash(root: str | None = None, retries: int = 3) -> int:
    """Rewrite the stale person_ids in one merge commit; returns the rows rewritten (0: none,
    no commit). Call it under the pipeline lock: a concurrent enrichment could add rows of a
    visitor this run did not see (the next squash would fix them)."""
    rows = stale_rows(root)
    dt = open_table(EVENTS, root)
    if dt is None or rows.num_rows == 0:
        return 0
    predicate = " and ".join(f"t.{k} = s.{k}" for k in KEY)
    for attempt in range(retries + 1):
        try:
            (
                dt.merge(rows, predicate, source_alias="s", target_alias="t")
                .when_matched_update({"person_id": "s.person_id"})
                .execute()
            )
            break
        except CommitFailedError:
            if attempt == retries:
                raise
            time.sleep(0.2 * 2**attempt)
            dt.update_incremental()
    log.info("person squash: %s silver rows rewritten", rows.num_rows)
    return rows.num_rows
