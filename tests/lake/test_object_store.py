"""The lake on an S3-compatible object store (moto's S3 server, a real HTTP endpoint).

`BEACONLAKE_LAKE_URI=s3://bucket/prefix` with the usual `AWS_*` variables is a documented way to
run BeaconLake; these tests keep it working end to end: the lake helpers, two collector workers
committing concurrently (delta-rs's conditional writes on S3), the pipeline to gold, and the
dashboard's queries over gold — all without a local lake folder.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyarrow as pa
import pytest

from beaconlake.settings import get_settings
from lake import duck, io
from lake.keys import create_key
from lake.registry import PAGE_VIEWS, RAW_EVENTS, REJECTED_EVENTS
from tests.conftest import _free_port, launch_collector

boto3 = pytest.importorskip("boto3")
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)


@pytest.fixture
def s3_lake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh bucket on a local moto S3 server; the settings point the lake at it."""
    moto = shutil.which("moto_server", path=str(Path(sys.executable).parent))
    assert moto, "moto[server] is a dev dependency"
    port = _free_port()
    log = open(tmp_path / "moto.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([moto, "-p", str(port)], stdout=log, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(endpoint, timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.05)
    env = {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_REGION": "us-east-1",
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    bucket = f"beaconlake-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)
    root = f"s3://{bucket}/lake"
    monkeypatch.setenv("BEACONLAKE_LAKE_URI", root)
    monkeypatch.setenv("BEACONLAKE_DUCKDB_PATH", str(tmp_path / "build" / "beaconlake.duckdb"))
    get_settings.cache_clear()
    yield root
    get_settings.cache_clear()
    proc.terminate()
    proc.wait(10)
    log.close()


def _objects(root: str) -> list[str]:
    bucket, prefix = root.removeprefix("s3://").split("/", 1)
    s3 = boto3.client("s3", region_name="us-east-1")
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return [o["Key"] for p in pages for o in p.get("Contents", [])]


def test_append_is_idempotent_and_readable_on_s3(s3_lake: str) -> None:
    rows = pa.table(
        {
            "event_id": ["e1", "e2"],
            "event": ["page_view", "click"],
            "project_id": ["p", "p"],
            "received_at": pa.array([dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC)] * 2),
            "received_date": pa.array([dt.date(2026, 11, 23)] * 2),
            "ingest_batch_id": ["b1", "b1"],
        }
    )
    io.append(RAW_EVENTS, rows, app_id="t", version=1)
    io.append(RAW_EVENTS, rows, app_id="t", version=1)  # a retry: skipped, not doubled
    assert sorted(io.read_arrow(RAW_EVENTS).column("event_id").to_pylist()) == ["e1", "e2"]
    con = duck.connect(["raw_events"])
    assert con.execute("select count(*) from raw_events").fetchall() == [(2,)]
    assert any(k.endswith(".parquet") for k in _objects(s3_lake))
    assert not Path("s3:").exists()  # no local folder named after the URI


def _batch(key: str, i: int) -> dict:
    t = f"2026-11-23T10:{i % 60:02d}:00Z"
    visitor = f"v{i}"
    return {
        "api_key": key,
        "batch": [
            {
                "event_id": f"{visitor}-{k}",
                "event": "page_view",
                "timestamp": t,
                "visitor_id": visitor,
                "session_id": f"s{i}",
                "url": f"https://shop.example/p/{k}",
            }
            for k in range(3)
        ]
        + [{"event": "page_view"}],  # no timestamp: rejected, its batch still accepted
    }


def test_collector_to_gold_and_dashboard_on_s3(s3_lake: str, tmp_path: Path) -> None:
    key = create_key("test", "write", root=s3_lake)[1]
    cp = launch_collector(s3_lake, key, tmp_path, workers=2, env={"flush_interval_ms": 100})
    try:
        with httpx.Client(headers={"User-Agent": CHROME}, timeout=30) as http:

            def post(i: int) -> int:
                return http.post(f"{cp.url}/v1/events", json=_batch(key, i)).status_code

            with cf.ThreadPoolExecutor(16) as pool:
                statuses = list(pool.map(post, range(60)))
    finally:
        assert cp.stop() == 0
        cp._log_file.close()
    assert statuses == [200] * 60
    raw = io.read_arrow(RAW_EVENTS)
    assert raw.num_rows == 180 and len(set(raw.column("event_id").to_pylist())) == 180
    assert io.read_arrow(REJECTED_EVENTS).num_rows == 60

    from orchestration.pipeline import run_pipeline

    run_pipeline()
    pv = io.read_arrow(PAGE_VIEWS)
    assert pv.num_rows == 180

    from streamlit_app.filters import Filters
    from streamlit_app.queries import kpis

    start = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
    cur = kpis(s3_lake, Filters("test", start, start + dt.timedelta(days=1)))["cur"]
    assert (cur["visitors"], cur["sessions"], cur["pageviews"]) == (60, 60, 180)
