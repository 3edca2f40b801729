"""Soak: the collector (2 workers) under steady load while the pipeline and the dashboard run.

Issue 8 asks for 60 s at 80% of the measured peak. On the shared 2-core CI box this test uses a
fixed modest rate instead (default 1,000 events/s in batches of 50) for a bounded time:
`BEACONLAKE_SOAK_SECONDS` (default 30) and `BEACONLAKE_SOAK_EVENTS_PER_S` (default 1000) change
them, e.g. `BEACONLAKE_SOAK_SECONDS=60 BEACONLAKE_SOAK_EVENTS_PER_S=8000` on a quiet machine.
Meanwhile `beaconlake pipeline run` starts every 15 s and the dashboard's Overview queries
(streamlit_app/queries.py, cache cleared each round) run in a loop.

Asserted: no answer other than 200 (429/503 are allowed only as retried answers that later
succeeded), no pipeline or dashboard error, the collector's memory does not keep growing, and
after a final pipeline run every acknowledged event is in silver once and in gold.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
from pathlib import Path

import pytest
import streamlit as st

from lake import io
from lake.registry import EVENTS, PAGE_VIEWS, SESSIONS
from tests.robustness import load

PIPELINE_EVERY_S = 15.0


def _settings() -> tuple[float, float]:
    seconds = float(os.environ.get("BEACONLAKE_SOAK_SECONDS", "30"))
    rate = float(os.environ.get("BEACONLAKE_SOAK_EVENTS_PER_S", "1000"))
    return seconds, rate


def _pipeline_loop(root: str, duckdb: Path, stop: threading.Event, runs: list, errors: list):
    while not stop.is_set():
        started = time.monotonic()
        try:
            load.run_pipeline_cli(root, duckdb)
            runs.append(time.monotonic() - started)
        except BaseException as exc:  # reported by the test
            errors.append(f"pipeline: {exc}")
        stop.wait(max(0.0, PIPELINE_EVERY_S - (time.monotonic() - started)))


def _dashboard_loop(root: str, stop: threading.Event, rounds: list, errors: list) -> None:
    from streamlit_app import queries
    from streamlit_app.filters import Filters

    now = dt.datetime.now(dt.UTC)
    f = Filters("test", now - dt.timedelta(days=1), now + dt.timedelta(days=1))
    while not stop.is_set():
        try:
            st.cache_data.clear()
            queries.projects(root)
            k = queries.kpis(root, f)
            queries.timeseries(root, f)
            queries.breakdown(root, f, "page")
            queries.breakdown(root, f, "channel")
            queries.live(root, "test", dt.datetime.now(dt.UTC))
            rounds.append(k["cur"]["pageviews"])
        except BaseException as exc:  # reported by the test
            errors.append(f"dashboard: {type(exc).__name__}: {exc}")
        stop.wait(0.5)


@pytest.mark.timeout(900)
def test_soak_under_load_with_pipeline_and_dashboard(
    start_collector, lake_root: str, tmp_path: Path
) -> None:
    seconds, rate = _settings()
    # Queries run outside a Streamlit server: keep its one-warning-per-call out of the log.
    logging.getLogger("streamlit.runtime.caching.cache_data_api").setLevel(logging.ERROR)
    duckdb = tmp_path / "build" / "beaconlake.duckdb"
    c = start_collector(workers=2)
    ledger = load.Ledger()
    errors: list[str] = []
    runs: list[float] = []
    rounds: list[int] = []
    rss: list[int] = []
    background_stop = threading.Event()
    workers = [
        threading.Thread(
            target=_pipeline_loop, args=(lake_root, duckdb, background_stop, runs, errors)
        ),
        threading.Thread(target=_dashboard_loop, args=(lake_root, background_stop, rounds, errors)),
    ]
    stop, give_up, senders = load.start_load(c.url, c.key, ledger, rate, senders=6)
    for w in workers:
        w.start()
    try:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            rss.append(load.rss_kib(c.proc.pid))
            assert c.proc.poll() is None, c.logs()[-3000:]
            time.sleep(0.5)
    finally:
        load.stop_load(stop, give_up, senders)
        background_stop.set()
        for w in workers:
            w.join(300)

    assert not ledger.errors, ledger.errors[:5]
    assert not errors, errors[:5]
    assert set(ledger.statuses) <= {200, *load.RETRYABLE}, ledger.statuses
    assert len(ledger.acked) == len(ledger.attempted)  # every retried batch got its 200
    assert len(ledger.acked) >= 1000, (len(ledger.acked), ledger.statuses)  # load happened
    assert runs, "no pipeline run finished during the soak"
    assert rounds, "no dashboard round finished during the soak"
    assert rounds == sorted(rounds), "the Overview's page views went down between rounds"
    # Memory: the last third of the run peaks no higher than 1.5x the first third's peak.
    third = len(rss) // 3
    assert max(rss[-third:]) < 1.5 * max(rss[:third]), (rss[:third], rss[-third:])

    load.run_pipeline_cli(lake_root, duckdb)  # the final micro-batch
    acked = set(ledger.acked)
    silver = io.read_arrow(EVENTS, ["event_id"], root=lake_root).column("event_id").to_pylist()
    assert len(silver) == len(set(silver)), "duplicate event_ids in silver"
    assert set(silver) == acked
    page_views = io.read_arrow(PAGE_VIEWS, ["event_id"], root=lake_root).column("event_id")
    assert sorted(page_views.to_pylist()) == sorted(acked)
    sessions = io.read_arrow(SESSIONS, ["events", "pageviews"], root=lake_root).to_pydict()
    assert sum(sessions["events"]) == sum(sessions["pageviews"]) == len(acked)
    # What the dashboard shows after the final run: today's sessions, as gold has them.
    st.cache_data.clear()
    from streamlit_app import queries
    from streamlit_app.filters import Filters

    now = dt.datetime.now(dt.UTC)
    k = queries.kpis(root=lake_root, f=Filters("test", now - dt.timedelta(days=1), now))
    assert k["cur"]["pageviews"] == len(acked)
    assert k["cur"]["sessions"] == len(sessions["events"])
    print(
        f"soak: {seconds:.0f}s at {rate:.0f} ev/s: {len(acked)} acknowledged, answers "
        f"{dict(ledger.statuses)}, pipeline runs {[round(r, 1) for r in runs]} s, "
        f"dashboard rounds {len(rounds)}, collector RSS {rss[0]}..{max(rss)} KiB"
    )
