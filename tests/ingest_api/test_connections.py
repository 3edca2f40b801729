"""Connections: many at once under a low soft file limit, and idle ones kept alive."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import time
from pathlib import Path

import httpx

from tests.conftest import launch_collector
from tests.ingest_api.helpers import event, raw_rows


def _soft_open_files(pid: int) -> int:
    limits = Path(f"/proc/{pid}/limits").read_text()
    return int(re.search(r"Max open files\s+(\d+)", limits).group(1))


async def _post_all(url: str, key: str, n: int) -> list[int | str]:
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:

        async def one() -> int | str:
            try:
                r = await client.post(f"{url}/v1/events", json={"api_key": key, **event()})
                return r.status_code
            except httpx.TransportError as e:
                return type(e).__name__

        return await asyncio.gather(*(one() for _ in range(n)))


def test_more_connections_than_the_soft_file_limit(lake_root: str, tmp_path: Path) -> None:
    """Started with `ulimit -n 256`, the collector lifts it and answers 600 clients at once."""
    from lake.keys import create_key

    key = create_key("test", "write", root=lake_root)[1]
    c = launch_collector(lake_root, key, tmp_path, prefix=["prlimit", "--nofile=256:4096"])
    try:
        statuses = asyncio.run(_post_all(c.url, key, 600))
        assert {s: statuses.count(s) for s in set(statuses)} == {200: 600}
        assert len(raw_rows(lake_root)) == 600
        assert _soft_open_files(c.proc.pid) == 4096
    finally:
        c.stop()


def _read_response(s: socket.socket) -> bytes:
    """One whole HTTP/1.1 response: headers and body can arrive in separate segments."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        assert chunk, f"connection closed after {data[:200]!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))
    while len(body) < length:
        chunk = s.recv(65536)
        assert chunk, f"connection closed after {head + body!r}"
        body += chunk
    assert len(body) == length, "more bytes than one response"
    return head + b"\r\n\r\n" + body


def test_an_idle_connection_outlives_uvicorns_five_seconds(collector) -> None:
    """A browser or load balancer reusing a connection after 6 s idle gets an answer, no reset."""
    host, port = collector.url.removeprefix("http://").split(":")
    ids = []
    with socket.create_connection((host, int(port)), timeout=30) as s:
        for pause in (0, 6):
            time.sleep(pause)
            ev = event()
            ids.append(ev["event_id"])
            body = json.dumps({"api_key": collector.key, **ev}).encode()
            s.sendall(
                f"POST /v1/events HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json"
                f"\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            answer = _read_response(s)
            assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
            assert answer.endswith(b'{"accepted":1,"rejected":0}'), answer[-200:]
    assert sorted(r["event_id"] for r in raw_rows(collector.lake_root)) == sorted(ids)
