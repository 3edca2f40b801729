"""The collector's other endpoints: health, metrics, OpenAPI, the SDK bundle and the demo."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.ingest_api.helpers import event, post


def test_health_metrics_openapi_sdk_and_demo(start_collector, tmp_path: Path) -> None:
    sdk = tmp_path / "sdk"
    sdk.mkdir()
    (sdk / "beaconlake.js").write_text("window.beaconlake={};")
    (tmp_path / "secret.txt").write_text("not for you")
    demo = tmp_path / "demo"
    demo.mkdir()
    (demo / "index.html").write_text("<h1>Demo shop</h1>")
    c = start_collector(sdk_dir=str(sdk), demo_dir=str(demo))

    assert httpx.get(f"{c.url}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{c.url}/readyz").json() == {"status": "ready"}

    r = httpx.get(f"{c.url}/sdk/beaconlake.js")
    assert r.status_code == 200 and r.text == "window.beaconlake={};"
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "javascript" in r.headers["content-type"]
    assert httpx.get(f"{c.url}/sdk/missing.js").status_code == 404
    assert httpx.get(f"{c.url}/sdk/..%2Fsecret.txt").status_code == 404
    assert "Demo shop" in httpx.get(f"{c.url}/demo/").text

    spec = httpx.get(f"{c.url}/openapi.json").json()
    op = spec["paths"]["/v1/events"]["post"]
    assert set(op["requestBody"]["content"]) == {"application/json", "text/plain"}
    assert {"200", "400", "401", "413", "429", "503"} <= set(op["responses"])
    assert "Batch" in spec["components"]["schemas"]

    post(c.url, {"api_key": c.key, "batch": [event(), event(event="")]})
    post(c.url, {"batch": [event()]})
    m = httpx.get(f"{c.url}/metrics").text
    assert 'beaconlake_requests_total{status="200"} 1.0' in m
    assert 'beaconlake_requests_total{status="401"} 1.0' in m
    assert "beaconlake_events_accepted_total 1.0" in m
    assert 'beaconlake_events_rejected_total{reason="missing_event"} 1.0' in m
    assert "beaconlake_commit_seconds_count 1.0" in m
    assert "beaconlake_buffer_events 0.0" in m


def test_cors_origins_setting(start_collector) -> None:
    c = start_collector(cors_origins=["https://shop.example"])
    ok = post(c.url, {"api_key": c.key, "batch": [event()]},
              headers={"Origin": "https://shop.example"})  # fmt: skip
    assert ok.headers["access-control-allow-origin"] == "https://shop.example"
    other = post(c.url, {"api_key": c.key, "batch": [event()]},
                 headers={"Origin": "https://evil.example"})  # fmt: skip
    assert "access-control-allow-origin" not in other.headers
    pre = httpx.options(f"{c.url}/v1/events", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})  # fmt: skip
    assert pre.status_code == 400


def test_draining_answers_503_everywhere(lake_root: str) -> None:
    """What SIGTERM switches on (uvicorn closes its socket right after, so this is checked
    in-process): /readyz 503 and new events 503, nothing stored."""
    from fastapi.testclient import TestClient

    from ingest_api.app import create_app
    from lake.keys import create_key
    from tests.ingest_api.helpers import raw_rows

    _, key = create_key("test", "write", root=lake_root)
    with TestClient(create_app()) as client:
        assert client.get("/readyz").json() == {"status": "ready"}
        client.app.state.collector.committer.begin_drain()
        r = client.get("/readyz")
        assert (r.status_code, r.json()) == (503, {"status": "draining"})
        r = client.post("/v1/events", json={"api_key": key, "batch": [event()]})
        assert (r.status_code, r.json()["error"]) == (503, "shutting_down")
    assert raw_rows(lake_root) == []


def test_gc_thresholds_while_serving(lake_root: str) -> None:
    """The collector collects the young generation rarely while it serves (a group commit holds
    thousands of waiting requests' objects, which every collection walks) and gives the
    process's own thresholds back at shutdown."""
    import gc

    from fastapi.testclient import TestClient

    from ingest_api.app import GC_THRESHOLD, create_app

    before = gc.get_threshold()
    assert GC_THRESHOLD[0] >= 100_000
    with TestClient(create_app()) as client:
        assert client.get("/healthz").status_code == 200
        assert gc.get_threshold() == GC_THRESHOLD
    assert gc.get_threshold() == before
