"""Schedules: the daily maintenance pass, at a quiet hour (UTC)."""

from __future__ import annotations

import dagster as dg

from orchestration.jobs import maintenance_job

daily_maintenance = dg.ScheduleDefinition(
    name="daily_maintenance",
    job=maintenance_job,
    cron_schedule="17 3 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
