"""Checks on gold tables (after publish): the numbers a dashboard shows are possible ones."""

import dagster as dg

from orchestration.assets.keys import gold_key
from orchestration.checks.sql import scalar_row


@dg.asset_check(asset=gold_key("daily_stats"), description="bounce_rate is within [0, 1].")
def bounce_rate_in_range() -> dg.AssetCheckResult:
    (bad,) = scalar_row(
        ["daily_stats"],
        "select count(*) from daily_stats where bounce_rate < 0 or bounce_rate > 1",
    )
    return dg.AssetCheckResult(passed=bad == 0, metadata={"rows_out_of_range": bad})


@dg.asset_check(asset=gold_key("web_vitals"), description="p75 is never negative.")
def p75_non_negative() -> dg.AssetCheckResult:
    (bad,) = scalar_row(["web_vitals"], "select count(*) from web_vitals where p75 < 0")
    return dg.AssetCheckResult(passed=bad == 0, metadata={"negative_p75": bad})


@dg.asset_check(
    asset=gold_key("funnel_steps"), description="persons never increase from a step to the next."
)
def funnel_non_increasing() -> dg.AssetCheckResult:
    (bad,) = scalar_row(
        ["funnel_steps"],
        "select count(*) from (select persons, lag(persons) over "
        "(partition by project_id, funnel order by step) as prev from funnel_steps) "
        "where persons > prev",
    )
    return dg.AssetCheckResult(passed=bad == 0, metadata={"increasing_steps": bad})


GOLD_CHECKS = [bounce_rate_in_range, p75_non_negative, funnel_non_increasing]
