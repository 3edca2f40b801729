"""person_id: the user a visitor was identified as, applied to that visitor's earlier rows too.

Rule (deterministic, so re-runs agree): a row's person_id is its own user_id when it carries one;
else the visitor's *first* user_id (earliest event_time, then event_id, over every silver and
batch row of that visitor carrying a user_id: identify events and any event with user_id);
else the visitor_id. A batch's new rows always get it. The visitor's EARLIER anonymous rows get
it either in the batch's commit (setting silver_person_rewrite="batch": a Delta merge, which
rewrites most of silver's files since a visitor's rows lie in every event_date partition) or by
the daily squash (`squash.py`, default "maintenance"); until then they keep the visitor_id (or
an earlier first user). Gold never reads this column: dbt resolves persons from the events.
"""

from __future__ import annotations

import duckdb

EVENT_CANDIDATES = """
create or replace temp table _batch_visitors as select distinct visitor_id from ev;
create or replace temp table _old_ids as
  select visitor_id, user_id, event_time, event_id from events
  where user_id is not null and visitor_id in (select visitor_id from _batch_visitors);
create or replace temp table _old_map as
  select visitor_id, arg_min(user_id, (event_time, event_id)) as uid from _old_ids group by 1;
create or replace temp table id_map as
  select visitor_id, arg_min(user_id, (event_time, event_id)) as uid from (
    select * from _old_ids
    union all
    select visitor_id, user_id, event_time, event_id from ev where user_id is not null
  ) group by 1;
create or replace temp table _changed as
  select m.visitor_id, m.uid from id_map m left join _old_map o using (visitor_id)
  where o.uid is distinct from m.uid;
"""


def build_map(con: duckdb.DuckDBPyConnection) -> int:
    """Create `id_map` (visitor → user) for the batch's visitors; returns visitors whose user is
    new or changed (their earlier silver rows may need rewriting)."""
    con.execute(EVENT_CANDIDATES)
    return con.execute("select count(*) from _changed").fetchall()[0][0]


def rewrites_sql(columns: list[str]) -> str:
    """SQL: existing silver rows whose person_id must change, with the new person_id."""
    cols = ", ".join("c.uid as person_id" if c == "person_id" else f"e.{c}" for c in columns)
    return (
        f"select {cols} from events e join _changed c using (visitor_id) "
        "where e.user_id is null and e.person_id is distinct from c.uid"
    )
