"""One enrichment micro-batch: bronze files added since the cursor → silver events/replay_chunks.

All row work is DuckDB SQL over the batch's Parquet files; Python runs once per distinct user
agent, network and (host, referrer, UTM) combination, and the URL regexes once per distinct
(url, referrer) pair (`_parsed`, joined back to the events: ~2x faster than per row).
Order of commits: replay_chunks first, then events (which carries the cursor), each tagged with
the same app transaction, so a crash anywhere is repaired by re-running: the event_id dedup
against silver drops what already landed. Events are appended; only with
silver_person_rewrite="batch" does a batch that identifies visitors merge instead (identity.py).
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from beaconlake.settings import get_settings
from lake import compaction, duck
from lake.io import is_local
from lake.registry import EVENTS, RAW_EVENTS, REPLAY_CHUNKS
from orchestration.enrich import channel, geo, identity, useragent, writer
from orchestration.enrich.cursor import APP_ID, Pending, pending
from orchestration.enrich.event_time import event_time_columns, select_columns
from orchestration.enrich.replay import REPLAY_SQL
from orchestration.enrich.source import register_bronze
from orchestration.enrich.urls import parsed_columns, split_columns

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EnrichResult:
    """What one batch did (also the Dagster asset's metadata)."""

    cursor_before: int | None
    bronze_version: int | None
    files: int
    events: int
    replay_chunks: int
    person_rewrites: int
    full_scan: bool  # every bronze file was read (see Pending)
    # Visitors given a new first user; their earlier rows (if any) wait for the daily squash.
    persons_deferred: int = 0
    # The cursor was past bronze's log: the files of received_date >= since were read.
    since: dt.date | None = None

    @property
    def changed(self) -> bool:
        return self.bronze_version is not None


NOTHING = EnrichResult(None, None, 0, 0, 0, 0, False)

DEDUP = """
create or replace temp table _dupids as
  select event_id from bronze group by event_id having count(*) > 1;
create or replace temp table _winners as
  select event_id,
    first(filename order by received_at, ingest_batch_id, filename, file_row_number) as wf,
    first(file_row_number order by received_at, ingest_batch_id, filename, file_row_number) as wr
  from bronze where event_id in (select event_id from _dupids) group by event_id;
create or replace temp table _seen as
  select event_id from events where event_id in (select event_id from bronze)
  union all
  select event_id from replay_chunks where event_id in (select event_id from bronze);
"""


def _views() -> str:
    return f"""
create or replace temp view fresh as
  select b.* exclude (filename, file_row_number) from bronze b
  left join _winners w using (event_id)
  where (w.event_id is null or (b.filename = w.wf and b.file_row_number = w.wr))
    and b.event_id not in (select event_id from _seen);
create or replace temp view timed as
  select * exclude (_ts, _sa), {event_time_columns()} from (
    select event_id, project_id, event, received_at, "timestamp" as client_timestamp, sent_at,
      coalesce(nullif(visitor_id, ''), nullif(user_id, ''), event_id) as visitor_id,
      nullif(session_id, '') as session_id, nullif(user_id, '') as user_id,
      url, title, referrer, properties, context, ip_trunc, user_agent,
      {select_columns()}
    from fresh);
create or replace temp table _parsed as
  select url as _url, referrer as _referrer, * exclude (url, referrer),
    url is null as _null_url, referrer is null as _null_ref
  from (
    select url, referrer, {parsed_columns()} from (
      select *, {split_columns()} from (
        select distinct url, referrer from timed where event <> 'replay')));
create or replace temp view ev as
  select t.*, p.* exclude (_url, _referrer, _null_url, _null_ref) from timed t
  join _parsed p
    on coalesce(t.url, '') = coalesce(p._url, '') and (t.url is null) = p._null_url
    and coalesce(t.referrer, '') = coalesce(p._referrer, '')
    and (t.referrer is null) = p._null_ref
  where t.event <> 'replay';
"""


def _final_sql(target: int) -> str:
    picks = {
        "person_id": "coalesce(ev.user_id, m.uid, ev.visitor_id)",
        "channel": "coalesce(ch.channel, 'direct')",
        "device_type": "coalesce(u.device_type, 'other')",
        "is_bot": "coalesce(u.is_bot, false)",
        "bronze_version": f"{int(target)}::bigint",
        "event_date": "cast(ev.event_time as date)",
    }
    for c in ("browser", "browser_version", "os", "os_version"):
        picks[c] = f"u.{c}"
    for c in ("country", "region", "city"):
        picks[c] = f"g.{c}"
    cols = ", ".join(f"{picks.get(c, 'ev.' + c)} as {c}" for c in EVENTS.columns)
    return f"""
select {cols} from ev
left join id_map m on m.visitor_id = ev.visitor_id
left join _ua u on u._ua = coalesce(ev.user_agent, '')
left join _geo g on g._ip = coalesce(ev.ip_trunc, '')
left join _ch ch on ch._host = coalesce(ev.host, '') and ch._ref = coalesce(ev.referrer_host, '')
  and ch._src = coalesce(lower(ev.utm_source), '') and ch._med = coalesce(lower(ev.utm_medium), '')
  and ch._paid = ev._paid_click
"""


def _lookups(con: duckdb.DuckDBPyConnection) -> None:
    """Per-distinct-value Python work (user agents, networks, channel keys) as joinable tables."""
    uas = [r[0] for r in con.execute("select distinct coalesce(user_agent, '') from ev").fetchall()]
    con.register("_ua", useragent.ua_table(uas))
    ips = [r[0] for r in con.execute("select distinct coalesce(ip_trunc, '') from ev").fetchall()]
    con.register("_geo", geo.geo_table(ips))
    keys = con.sql(  # from the distinct URLs and referrers, not from every event
        "select distinct coalesce(host, '') as _host, coalesce(referrer_host, '') as _ref, "
        "coalesce(lower(utm_source), '') as _src, coalesce(lower(utm_medium), '') as _med, "
        "_paid_click as _paid from _parsed"
    ).to_arrow_table()
    con.register("_ch", channel.channel_table(keys))


def connect() -> duckdb.DuckDBPyConnection:
    """A DuckDB session in UTC (so zone-less times are UTC) that may spill to a temp dir."""
    con = duckdb.connect(
        config={"memory_limit": "3GB", "temp_directory": tempfile.gettempdir() + "/beaconlake-duck"}
    )
    con.execute("set TimeZone = 'UTC'")
    return con


def _commit_empty(p: Pending, root: str | None) -> None:
    """Nothing new (duplicates or compaction only): still move the cursor to the target."""
    writer.append(EVENTS, EVENTS.schema.empty_table(), APP_ID, p.target, root)


def enrich(root: str | None = None) -> EnrichResult:
    """Process every bronze row not yet in silver, then compact the bronze files just read."""
    res = _enrich(root)
    if res.changed:
        try:
            done = compaction.compact_settled(RAW_EVENTS, res.bronze_version, root)
        except Exception:  # best effort: the next batch or the daily maintenance compacts
            log.exception("bronze compaction failed")
        else:
            if done:
                log.info("bronze compacted: %s files into %s", done["numFilesRemoved"],
                         done["numFilesAdded"])  # fmt: skip
    return res


def _enrich(root: str | None) -> EnrichResult:
    p = pending(root)
    if p is None:
        return NOTHING
    if not p.files:
        _commit_empty(p, root)
        return EnrichResult(p.cursor, p.target, 0, 0, 0, 0, p.full_scan, since=p.since)
    con = connect()
    try:
        register_bronze(con, p.files, is_local(root))
        duck.register(con, EVENTS, root)
        duck.register(con, REPLAY_CHUNKS, root)
        con.execute(DEDUP)
        con.execute(_views())
        replays = con.sql(REPLAY_SQL).to_arrow_table()
        if replays.num_rows:
            writer.append(
                REPLAY_CHUNKS,
                replays.select(REPLAY_CHUNKS.columns).cast(REPLAY_CHUNKS.schema),
                APP_ID,
                p.target,
                root,
            )
        _lookups(con)
        changed = identity.build_map(con)
        rewrites, deferred = 0, 0
        if changed and get_settings().silver_person_rewrite == "maintenance":
            deferred = changed
        elif changed:
            old = con.sql(identity.rewrites_sql(EVENTS.columns)).to_arrow_table()
            rewrites = old.num_rows
        if rewrites:
            new = con.sql(_final_sql(p.target)).to_arrow_table()
            new_count = new.num_rows
            rows = pa.concat_tables([old.cast(EVENTS.schema), new.cast(EVENTS.schema)])
            writer.merge_rows(
                EVENTS, rows, ("event_id", "event_date"), ["person_id"], APP_ID, p.target, root
            )
        else:
            reader = con.sql(_final_sql(p.target)).to_arrow_reader(100_000)
            counter = [0]
            writer.append(
                EVENTS, writer.cast_reader(EVENTS, reader, counter), APP_ID, p.target, root
            )
            new_count = counter[0]
    finally:
        con.close()
    res = EnrichResult(
        p.cursor,
        p.target,
        len(p.files),
        new_count,
        replays.num_rows,
        rewrites,
        p.full_scan,
        deferred,
        p.since,
    )
    log.info("enrich: %s", res)
    return res
