"""great-expectations suites on silver events, run as Dagster asset checks before dbt.

Blocking (a failure stops dbt and publish, so the dashboard keeps the last good gold):
- event_id unique: a duplicate is counted twice in every visitor, session and page-view figure.
- event_time not in the future: enrichment clamps times to received_at + 23 h (SPEC 3), so a
  later time means enrichment or the collector's clock is broken; it would put events on days
  that have not happened yet.
- device_type / channel in SPEC 3's sets: enrichment maps every user agent and referrer into
  these sets, so another value means enrichment broke its contract.
"""

import datetime as dt

import dagster as dg

from orchestration.assets.keys import SILVER_EVENTS
from orchestration.checks.gx_suite import Expect, check_result
from orchestration.enrich.channel import CHANNELS
from orchestration.enrich.useragent import DEVICE_TYPES

# enrich.event_time.MAX_AHEAD ("interval 23 hour"): the clamp limit; tests pin the two together.
FUTURE_TOLERANCE = dt.timedelta(hours=23)


@dg.asset_check(
    asset=SILVER_EVENTS,
    blocking=True,
    description="great-expectations: expect_column_values_to_be_unique(event_id).",
)
def event_id_unique() -> dg.AssetCheckResult:
    expects = [Expect("ExpectColumnValuesToBeUnique", {"column": "event_id"})]
    return check_result("events", "silver_events.event_id_unique", expects)


@dg.asset_check(
    asset=SILVER_EVENTS,
    blocking=True,
    description="great-expectations: expect_column_values_to_be_between(event_time, max = now + "
    "23 h), the clamp limit of SPEC 3 (a client clock may legitimately run a little ahead).",
)
def event_time_not_in_future() -> dg.AssetCheckResult:
    limit = dt.datetime.now(dt.UTC) + FUTURE_TOLERANCE
    expects = [
        Expect("ExpectColumnValuesToBeBetween", {"column": "event_time", "max_value": limit})
    ]
    return check_result("events", "silver_events.event_time_not_in_future", expects)


@dg.asset_check(
    asset=SILVER_EVENTS,
    blocking=True,
    description="great-expectations: expect_column_values_to_be_in_set for device_type and "
    "channel (SPEC 3's values).",
)
def known_device_types() -> dg.AssetCheckResult:
    expects = [
        Expect(
            "ExpectColumnValuesToBeInSet",
            {"column": "device_type", "value_set": list(DEVICE_TYPES)},
        ),
        Expect("ExpectColumnValuesToBeInSet", {"column": "channel", "value_set": list(CHANNELS)}),
    ]
    return check_result("events", "silver_events.known_device_types", expects)


SILVER_CHECKS = [event_id_unique, event_time_not_in_future, known_device_types]
