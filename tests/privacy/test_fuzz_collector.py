"""Fuzz POST /v1/events from the collector's own OpenAPI schema (schemathesis + Hypothesis).

Positive cases (bodies the schema allows) and negative ones (bodies it forbids: wrong types,
missing fields), three in four with a valid write key so they reach validation and the lake.
Bounded: a fixed number of examples, no shrinking database, a per-request timeout.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.generation.modes import GenerationMode

from lake import io
from lake.registry import RAW_EVENTS, REJECTED_EVENTS
from tests.conftest import CollectorProcess

EXAMPLES = 80


def _with_key(body: Any, key: str) -> Any:
    """Put the real key where the generated one would be (a random key only tests 401)."""
    if isinstance(body, dict):
        body = {**body, "api_key": key}
        if isinstance(body.get("batch"), list):
            body["batch"] = [{**e, "api_key": key} if isinstance(e, dict) else e
                             for e in body["batch"]]  # fmt: skip
    return body


@pytest.mark.timeout(240)
def test_schema_fuzz_never_5xx_never_hangs(
    start_collector: Callable[..., CollectorProcess],
) -> None:
    c = start_collector(flush_interval_ms=20)
    schema = schemathesis.openapi.from_url(f"{c.url}/openapi.json")
    op = schema["/v1/events"]["POST"]
    cases = op.as_strategy(GenerationMode.POSITIVE) | op.as_strategy(GenerationMode.NEGATIVE)
    statuses: Counter[int] = Counter()
    acked = {"accepted": 0, "rejected": 0}

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases, keyed=st.sampled_from([True, True, True, False]))
    def run(case: Any, keyed: bool) -> None:
        if keyed:
            case.body = _with_key(case.body, c.key)
        resp = case.call(base_url=c.url, timeout=20)
        statuses[resp.status_code] += 1
        assert resp.status_code < 500, (resp.status_code, resp.text[:300], case.body)
        if resp.status_code == 200:
            got = resp.json()
            acked["accepted"] += got["accepted"]
            acked["rejected"] += got["rejected"]

    run()

    assert statuses[200] > 0 and sum(n for s, n in statuses.items() if 400 <= s < 500) > 0
    assert c.proc.poll() is None, c.logs()[-3000:]
    assert httpx.get(f"{c.url}/readyz", timeout=30).status_code == 200
    raw = io.read_arrow(RAW_EVENTS, root=c.lake_root)
    rejected = io.read_arrow(REJECTED_EVENTS, root=c.lake_root)
    # Positive bodies may repeat an event_id: the collector stores each acknowledged copy once
    # per request; silver deduplicates. So bronze holds exactly what was acknowledged.
    assert raw.num_rows == acked["accepted"]
    assert rejected.num_rows == acked["rejected"]
