"""Run the collector with uvicorn; `python -m ingest_api` and `beaconlake collect` both use it."""

from __future__ import annotations

import argparse


def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    import uvicorn

    uvicorn.run(
        "ingest_api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=False,  # X-Forwarded-For is ours to judge (settings.trusted_proxies)
        access_log=False,  # uvicorn's access log prints client addresses; ours does not
        log_config=None,
        timeout_graceful_shutdown=30,
    )


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m ingest_api", description="Serve the collector.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1)
    a = p.parse_args(argv)
    serve(a.host, a.port, a.workers)
