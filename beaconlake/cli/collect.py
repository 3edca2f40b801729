"""`beaconlake collect`: serve the collector with uvicorn."""

from __future__ import annotations

import typer


def collect(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind."),
    port: int = typer.Option(8000, "--port", help="Port to bind."),
    workers: int = typer.Option(1, "--workers", help="Worker processes."),
) -> None:
    """Serve the collector (POST /v1/events) on HOST:PORT."""
    from ingest_api.serve import serve

    serve(host, port, workers)
