"""great-expectations suites on gold tables (after publish): the numbers a dashboard shows are
possible ones. Not blocking: nothing runs downstream of gold; a failure shows red in Dagster."""

import dagster as dg

from orchestration.assets.keys import gold_key
from orchestration.checks.gx_suite import Expect, check_result

# persons at a step above the step before it, within one project's funnel.
FUNNEL_INCREASES = (
    "select * from (select *, lag(persons) over (partition by project_id, funnel order by step) "
    "as previous_persons from {batch}) where persons > previous_persons"
)


@dg.asset_check(
    asset=gold_key("daily_stats"),
    description="great-expectations: expect_column_values_to_be_between(bounce_rate, 0, 1).",
)
def bounce_rate_in_range() -> dg.AssetCheckResult:
    expects = [
        Expect(
            "ExpectColumnValuesToBeBetween",
            {"column": "bounce_rate", "min_value": 0, "max_value": 1},
        )
    ]
    return check_result("daily_stats", "gold_daily_stats.bounce_rate_in_range", expects)


@dg.asset_check(
    asset=gold_key("web_vitals"),
    description="great-expectations: expect_column_values_to_be_between(p75, min 0).",
)
def p75_non_negative() -> dg.AssetCheckResult:
    expects = [Expect("ExpectColumnValuesToBeBetween", {"column": "p75", "min_value": 0})]
    return check_result("web_vitals", "gold_web_vitals.p75_non_negative", expects)


@dg.asset_check(
    asset=gold_key("funnel_steps"),
    description="great-expectations: unexpected_rows_expectation, no step with more persons than "
    "the step before it in the same funnel.",
)
def funnel_non_increasing() -> dg.AssetCheckResult:
    expects = [
        Expect(
            "UnexpectedRowsExpectation",
            {
                "unexpected_rows_query": FUNNEL_INCREASES,
                "description": "persons never increase from a funnel step to the next",
            },
            label="unexpected_rows_expectation(funnel persons increase)",
        )
    ]
    return check_result("funnel_steps", "gold_funnel_steps.funnel_non_increasing", expects)


GOLD_CHECKS = [bounce_rate_in_range, p75_non_negative, funnel_non_increasing]
