"""Run the collector with uvicorn; `python -m ingest_api` and `beaconlake collect` both use it."""

from __future__ import annotations

import argparse
import logging
import resource

log = logging.getLogger("beaconlake.collector")

# Below this many open files a busy collector runs out: every connection is one.
FEW_FILES = 8192


def raise_open_files_limit() -> int:
    """Lift the soft open-files limit to the hard one and return it.

    Each browser connection holds a file descriptor. At the usual soft limit of 1024, a burst of
    visitors exhausts it and libuv then accepts and at once closes the excess connections: the
    clients see resets instead of answers. nginx's `worker_rlimit_nofile` does the same.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    if soft < FEW_FILES:
        log.warning(
            "open files limit %d: the collector can hold about that many connections; "
            "raise it (ulimit -n, LimitNOFILE=) for busy sites",
            soft,
        )
    return soft


def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    import uvicorn

    from beaconlake.settings import get_settings

    settings = get_settings()
    raise_open_files_limit()  # the workers inherit it
    uvicorn.run(
        "ingest_api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=False,  # X-Forwarded-For is ours to judge (settings.trusted_proxies)
        access_log=False,  # uvicorn's access log prints client addresses; ours does not
        server_header=False,  # one header less to check and write an answer; names no software
        log_config=None,
        timeout_graceful_shutdown=30,
        timeout_keep_alive=settings.keep_alive_s,
        backlog=settings.listen_backlog,
    )


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m ingest_api", description="Serve the collector.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1)
    a = p.parse_args(argv)
    serve(a.host, a.port, a.workers)
