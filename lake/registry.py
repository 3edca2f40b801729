"""The registry of lake tables: the one place a column list is spelled.

Every table is a Delta table at `<lake_uri>/<layer>/<name>`. Writers take their schema from here;
readers and dbt contracts are checked against it by tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

UTC_TS = pa.timestamp("us", tz="UTC")


# Delta properties of every lake table, set when it is created (and by the daily maintenance on
# older tables): delta-rs checkpoints every 50 commits (SPEC 6; its default is 100, and a long
# uncheckpointed log slows every open and commit), the log keeps a day (bronze: 5 minutes, below),
# removed files a week.
TABLE_PROPERTIES: dict[str, str] = {
    "delta.checkpointInterval": "50",
    "delta.logRetentionDuration": "interval 1 days",
    "delta.deletedFileRetentionDuration": "interval 7 days",
}

# Bronze keeps min/max statistics of `received_at` only. Nothing reads bronze by statistics
# (enrichment reads its new files by name, retention goes by partition, erasure scans), and the
# default (every column) put ~1.6 KB of long strings a file into the log, which a kept handle
# parses again for every file appended since the last compaction, at every commit: without them
# a collector commit took 18-26% less CPU, and each such file ~0.1 ms a commit instead of ~0.2.
# Fewer person values in the log, too. `numRecords` is kept. Maintenance sets it on older tables.
#
# Bronze keeps a SHORT log: 5 minutes (silver and gold keep a day, TABLE_PROPERTIES, as they
# commit once a micro-batch). On a local disk every snapshot update, i.e. every collector commit,
# lists all of `_delta_log`, ~2.5 us a file: at ~8 commits a second a day of log is ~700 k files
# and ~1.7 s of CPU a 20-row commit (5.3 s wall; a fresh table: ~6 ms); 15 minutes was ~7 k files,
# ~22 ms (measured with 7.2 k files and tombstones; docs/benchmarks.md, "Bronze after a day of
# traffic"). Two workers at the peak commit ~20 times a second: with 15 minutes (~18 k files)
# delta-rs took 217-496 us of CPU a request against 28-40 on a fresh table (docs/benchmarks.md,
# session 16, H7), so 5 minutes (~2.4-6 k files). The collector's cleanup every 50th commit and
# the daily maintenance keep it there. What it costs: bronze time travel reaches 5 minutes back,
# and an enrichment whose cursor is older (Dagster stopped, or a run slower than that) re-reads
# the recent partitions instead of its new files (`orchestration.enrich.cursor`).
#
# Bronze keeps tombstones (removed files in the log and every checkpoint) only as long as the log
# itself: the collector's compaction removes every commit's file within seconds, so with 7 days
# a checkpoint (every 50 commits, i.e. every few seconds under traffic) rewrote a week of
# tombstones, ~100 kB per 1,000 (66 MB and 1.4 s of CPU at 700 k, a day at ~8 commits a second).
# No reader can open a version older than the log anyway (so none needs an older removed file),
# and the daily maintenance vacuums in delta-rs's *full* mode at 7 days, which deletes an
# unreferenced file only once it was written 7 days ago (by modification time): a collector
# file, removed seconds after it was written, still stays on disk 7 days; an older file at least
# 5 minutes after its removal. `lake.purge` deletes such files too.
BRONZE_LOG_RETENTION = "interval 5 minutes"
STATS_COLUMNS_KEY = "delta.dataSkippingStatsColumns"
BRONZE_CONFIGURATION = (
    (STATS_COLUMNS_KEY, "received_at"),
    ("delta.logRetentionDuration", BRONZE_LOG_RETENTION),
    ("delta.deletedFileRetentionDuration", BRONZE_LOG_RETENTION),
)


@dataclass(frozen=True)
class Table:
    """One Delta table: where it lives, its schema, and how it is partitioned."""

    name: str
    layer: str  # bronze | silver | gold | meta
    schema: pa.Schema
    partition_by: tuple[str, ...] = field(default_factory=tuple)
    description: str = ""
    # Delta table properties set at creation, e.g. no column statistics for secret values.
    configuration: tuple[tuple[str, str], ...] = ()

    @property
    def properties(self) -> dict[str, str]:
        """Every table's TABLE_PROPERTIES, overridden by its own `configuration`, plus gold's
        statistics columns: what it is created with (lake.io), what publish and the
        maintenance keep set."""
        props = TABLE_PROPERTIES | dict(self.configuration)
        if self.layer == "gold":
            props.setdefault(STATS_COLUMNS_KEY, ",".join(self.stats_columns or []))
        return props

    @property
    def stats_columns(self) -> list[str] | None:
        """The columns whose min/max the Delta log keeps (None: all, delta-rs's default).

        Gold: project_id and the time columns. Gold rows are unsorted, so any other column's
        min/max spans every value of a file and prunes nothing, and computing them was 20-30 %
        of a fact table's publish. The table property must say so, not only the Parquet
        writer: delta-rs's `to_pyarrow_dataset` reads a column that the property includes but
        whose statistics are missing as `min >= null`, and a filter on it then skips every
        file (a reader filtering page_views by event_id got no rows)."""
        own = dict(self.configuration).get(STATS_COLUMNS_KEY)
        if own is not None:
            return own.split(",")
        if self.layer != "gold":
            return None
        return [
            f.name
            for f in self.schema
            if f.name == "project_id" or pa.types.is_timestamp(f.type) or pa.types.is_date(f.type)
        ]

    @property
    def path(self) -> str:
        """Path below the lake root."""
        return f"{self.layer}/{self.name}"

    @property
    def columns(self) -> list[str]:
        return list(self.schema.names)


def _schema(*fields: tuple[str, pa.DataType] | tuple[str, pa.DataType, bool]) -> pa.Schema:
    out = []
    for f in fields:
        name, typ, nullable = (f[0], f[1], f[2] if len(f) > 2 else True)
        out.append(pa.field(name, typ, nullable=nullable))
    return pa.schema(out)


s, i64, i32, f64, b, d = pa.string(), pa.int64(), pa.int32(), pa.float64(), pa.bool_(), pa.date32()

# The envelope as received (SPEC 3); client times are kept as sent, parsed by enrichment.
RAW_EVENTS = Table(
    "raw_events",
    "bronze",
    _schema(
        ("event_id", s, False),
        ("event", s, False),
        ("timestamp", s),
        ("sent_at", s),
        ("visitor_id", s),
        ("session_id", s),
        ("user_id", s),
        ("url", s),
        ("referrer", s),
        ("title", s),
        ("properties", s),  # JSON text
        ("context", s),  # JSON text
        ("received_at", UTC_TS, False),
        ("project_id", s, False),
        ("ip_trunc", s),
        ("user_agent", s),
        ("ingest_batch_id", s, False),
        ("received_date", d, False),
    ),
    partition_by=("received_date",),
    description="Every accepted event, as received, one row an event.",
    configuration=BRONZE_CONFIGURATION,
)

REJECTED_EVENTS = Table(
    "rejected_events",
    "bronze",
    _schema(
        ("received_at", UTC_TS, False),
        ("project_id", s, False),
        ("reason", s, False),
        ("detail", s),
        ("event_id", s),
        ("payload", s),  # the event as sent, JSON text (IP never included)
        ("ip_trunc", s),
        ("user_agent", s),
        ("ingest_batch_id", s, False),
        ("received_date", d, False),
    ),
    partition_by=("received_date",),
    description="Events that failed validation inside an accepted batch, with the reason.",
    configuration=BRONZE_CONFIGURATION,
)

EVENTS = Table(
    "events",
    "silver",
    _schema(
        ("event_id", s, False),
        ("project_id", s, False),
        ("event", s, False),
        ("event_time", UTC_TS, False),
        ("event_time_source", s, False),  # skew_corrected | client | clamped | received_fallback
        ("received_at", UTC_TS, False),
        ("client_timestamp", s),
        ("sent_at", s),
        ("visitor_id", s, False),
        ("session_id", s),
        ("user_id", s),
        ("person_id", s, False),
        ("url", s),
        ("host", s),
        ("path", s),
        ("query", s),
        ("title", s),
        ("referrer", s),
        ("referrer_host", s),
        ("utm_source", s),
        ("utm_medium", s),
        ("utm_campaign", s),
        ("utm_term", s),
        ("utm_content", s),
        ("channel", s, False),
        ("properties", s),
        ("context", s),
        ("browser", s),
        ("browser_version", s),
        ("os", s),
        ("os_version", s),
        ("device_type", s, False),  # desktop | mobile | tablet | bot | other
        ("country", s),
        ("region", s),
        ("city", s),
        ("is_bot", b, False),
        ("ip_trunc", s),
        ("bronze_version", i64, False),
        ("event_date", d, False),
    ),
    partition_by=("event_date",),
    description="One row per distinct event_id, enriched; bots flagged, not removed.",
)

REPLAY_CHUNKS = Table(
    "replay_chunks",
    "silver",
    _schema(
        ("event_id", s, False),
        ("project_id", s, False),
        ("session_id", s, False),
        ("visitor_id", s),
        ("seq", i64, False),
        ("first_ts", UTC_TS),
        ("last_ts", UTC_TS),
        ("event_count", i64),
        ("payload", s, False),
        ("received_at", UTC_TS, False),
        ("event_date", d, False),
    ),
    partition_by=("event_date",),
    description="rrweb chunks of session replays, ordered by seq within a session.",
)

# A session's dimensions (SPEC 4: they come from its first event), in gold sessions and copied
# onto gold page_views.
SESSION_DIMS = (
    ("entry_path", s),
    ("exit_path", s),
    ("channel", s),
    ("referrer_host", s),
    ("utm_source", s),
    ("utm_medium", s),
    ("utm_campaign", s),
    ("country", s),
    ("browser", s),
    ("os", s),
    ("device_type", s),
)
SESSION_DIM_NAMES = tuple(name for name, _ in SESSION_DIMS)

SESSIONS = Table(
    "sessions",
    "gold",
    _schema(
        ("project_id", s, False),
        ("session_id", s, False),
        ("person_id", s),
        ("visitor_id", s),
        ("started_at", UTC_TS, False),
        ("ended_at", UTC_TS, False),
        ("duration_s", f64),
        ("pageviews", i64),
        ("events", i64),
        ("is_bounce", b),
        *SESSION_DIMS,
        ("has_replay", b),
    ),
    description="One row per session (SPEC 4).",
)

PAGE_VIEWS = Table(
    "page_views",
    "gold",
    _schema(
        ("project_id", s, False),
        ("event_id", s, False),
        ("session_id", s, False),
        ("person_id", s),
        ("event_time", UTC_TS, False),
        ("path", s),
        ("title", s),
        ("engaged_ms", i64),
        ("is_entry", b),
        ("is_exit", b),
        # The session's dimensions, copied so the dashboard filters page views without a join.
        *SESSION_DIMS,
    ),
    description="One row per page_view, with engaged time and its session's dimensions.",
)

DAILY_STATS = Table(
    "daily_stats",
    "gold",
    _schema(
        ("project_id", s, False),
        ("day", d, False),
        ("visitors", i64),
        ("sessions", i64),
        ("pageviews", i64),
        ("bounce_rate", f64),
        ("avg_session_duration_s", f64),
        ("views_per_session", f64),
    ),
    description="One row per project and UTC day.",
)

FUNNEL_STEPS = Table(
    "funnel_steps",
    "gold",
    _schema(
        ("project_id", s, False),
        ("funnel", s, False),
        ("step", i64, False),
        ("step_name", s),
        ("persons", i64),
        ("conversion_from_first", f64),
        ("conversion_from_previous", f64),
        ("median_time_from_previous_s", f64),
    ),
    description="One row per project, funnel and step.",
)

WEB_VITALS = Table(
    "web_vitals",
    "gold",
    _schema(
        ("project_id", s, False),
        ("day", d, False),
        ("path", s),
        ("device_type", s),
        ("metric", s, False),
        ("samples", i64),
        ("p75", f64),
        ("good_share", f64),
        ("needs_improvement_share", f64),
        ("poor_share", f64),
    ),
    description="One row per project, day, path, device type and metric.",
)

PROJECTS = Table(
    "projects",
    "meta",
    _schema(("project_id", s, False), ("name", s, False), ("created_at", UTC_TS, False)),
    description="Projects (sites).",
)

API_KEYS = Table(
    "api_keys",
    "meta",
    _schema(
        ("key_id", s, False),
        ("project_id", s, False),
        ("kind", s, False),  # write | secret
        ("key_hash", s, False),  # sha256 hex of the key; the key itself is never stored
        ("created_at", UTC_TS, False),
        ("revoked_at", UTC_TS),
    ),
    description="API keys, hashed.",
)

ERASURE_REQUESTS = Table(
    "erasure_requests",
    "meta",
    _schema(
        ("request_id", s, False),
        ("kind", s, False),  # person | project
        ("subject", s, False),  # project id, or "sha256:<hex>" of a person id (never the id)
        ("project_id", s),  # the project a person request was limited to, if any
        ("requested_at", UTC_TS, False),
        ("completed_at", UTC_TS),
        ("status", s, False),  # pending | done | failed
        ("rows_deleted", s),  # JSON: {table: rows}
        ("error", s),
    ),
    description="Erasure requests (`beaconlake forget`) and their outcome.",
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        RAW_EVENTS,
        REJECTED_EVENTS,
        EVENTS,
        REPLAY_CHUNKS,
        SESSIONS,
        PAGE_VIEWS,
        DAILY_STATS,
        FUNNEL_STEPS,
        WEB_VITALS,
        PROJECTS,
        API_KEYS,
        ERASURE_REQUESTS,
    )
}


def get_table(name: str) -> Table:
    """The registered table called `name`; KeyError names the known ones."""
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"unknown table {name!r}; known: {', '.join(sorted(TABLES))}") from None


def register(table: Table) -> Table:
    """Add a table (e.g. a gold breakdown) to the registry; returns it for module-level use."""
    if table.name in TABLES and TABLES[table.name] != table:
        raise ValueError(f"table {table.name!r} is registered twice with different schemas")
    TABLES[table.name] = table
    return table


# Gold breakdowns for the dashboard (SPEC 3 "breakdown tables"), built by dbt_project/marts.
# Figures by UTC day; distinct counts (visitors, persons) are per day, so they do not add up
# across days. Session breakdowns count sessions by the day they started.
_SESSION_FIGURES: tuple[tuple[str, pa.DataType], ...] = (
    ("sessions", i64),
    ("visitors", i64),
    ("pageviews", i64),
    ("bounce_rate", f64),
    ("avg_session_duration_s", f64),
)

TOP_PAGES = register(
    Table(
        "top_pages",
        "gold",
        _schema(
            ("project_id", s, False),
            ("day", d, False),
            ("path", s),
            ("pageviews", i64),
            ("visitors", i64),
            ("avg_engaged_ms", f64),
        ),
        description="Page views by project, UTC day and path.",
    )
)

ENTRY_EXIT_PAGES = register(
    Table(
        "entry_exit_pages",
        "gold",
        _schema(
            ("project_id", s, False),
            ("day", d, False),
            ("path", s),
            ("kind", s, False),  # entry | exit
            ("sessions", i64),
            ("visitors", i64),
            ("bounce_rate", f64),
        ),
        description="Sessions by start day and entry or exit path.",
    )
)

SOURCES = register(
    Table(
        "sources",
        "gold",
        _schema(
            ("project_id", s, False),
            ("day", d, False),
            ("channel", s),
            ("referrer_host", s),
            ("utm_source", s),
            ("utm_medium", s),
            ("utm_campaign", s),
            *_SESSION_FIGURES,
        ),
        description="Sessions by start day, channel, referrer host and UTM.",
    )
)

DEVICES = register(
    Table(
        "devices",
        "gold",
        _schema(
            ("project_id", s, False),
            ("day", d, False),
            ("device_type", s),
            ("browser", s),
            ("os", s),
            *_SESSION_FIGURES,
        ),
        description="Sessions by start day, device type, browser and OS.",
    )
)

COUNTRIES = register(
    Table(
        "countries",
        "gold",
        _schema(("project_id", s, False), ("day", d, False), ("country", s), *_SESSION_FIGURES),
        description="Sessions by start day and country.",
    )
)

EVENTS_BY_NAME = register(
    Table(
        "events_by_name",
        "gold",
        _schema(
            ("project_id", s, False),
            ("day", d, False),
            ("event", s, False),
            ("events", i64),
            ("visitors", i64),
            ("persons", i64),
        ),
        description="Human events by UTC day and event name.",
    )
)

RETENTION = register(
    Table(
        "retention",
        "gold",
        _schema(
            ("project_id", s, False),
            ("cohort_week", d, False),  # Monday of the week of the persons' first session
            ("week_number", i64, False),
            ("cohort_persons", i64),
            ("persons", i64),
            ("retention_share", f64),
        ),
        description="Weekly cohorts: persons active n weeks after their first session's week.",
    )
)
