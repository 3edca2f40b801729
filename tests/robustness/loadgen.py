"""An HTTP load generator for the collector, cheap enough to out-run it on the same cores.

    python -m tests.robustness.loadgen URL KEY ACKED_FILE [--batch 20] [--peak-s 10]

Raw asyncio streams on uvloop, keep-alive HTTP/1.1, one request per connection at a time.
Bodies are built once per batch size; each request only swaps in its own ids with
`bytes.replace` (no JSON encoding, no gzip per request), so a request costs the generator a few
tens of microseconds against the collector's hundreds.

Two phases, driven over stdin/stdout with one JSON object a line (so that the test can run the
pipeline and the dashboard next to the second phase, and several generators side by side):
1. peak, closed loop: connections double every `step_s` (64, 128, ...) and each send the next
   batch the moment the last one is answered; a step's figure is its acknowledged events/s.
   It stops when two doublings in a row gain < 10% on the best before them (the server is
   saturated; one step can be noise on a busy machine) or the time is up. The generator
   reports its own CPU use, so the test can tell whose limit the peak is.
2. steady, open loop: the test sends {"rate": events/s, "seconds": s}; requests leave on a fixed
   schedule whatever the answers (a slow answer opens another connection, it does not delay the
   next request), and latency counts from the scheduled time (no coordinated omission).

Every batch is one visitor's session (as a browser tab's SDK sends it) of `--batch` page views.
Event ids are `<30 random hex><2 hex index>` in UUID layout: the 34-character request prefix of
each acknowledged batch is written to ACKED_FILE, one a line ("attempted" ones to .attempted).
429/503 are retried with the same ids, as the SDKs do, and counted.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import datetime as dt
import json
import os
import resource
import sys
import time

import orjson

UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
RETRYABLE = (429, 503)
ID_HOLE = b"IIIIIIII-IIII-4III-8III-IIIIIIIIII"  # 34 chars; + 2 hex chars per event
VISITOR_HOLE = b"VVVVVVVV"
TS_HOLE = b"TTTT-TT-TTTTT:TT:TT.TTTZ"
VISITORS = 5_000
IDLE_MAX_S = 3.0  # uvicorn closes keep-alive connections idle for 5 s: retire ours before


def request_template(host: str, key: str, batch: int) -> bytes:
    """The whole HTTP request with holes for the id prefix, the visitor and the time."""
    ts, vis = TS_HOLE.decode(), VISITOR_HOLE.decode()
    events = [
        {
            "event_id": f"{ID_HOLE.decode()}{j:02x}",
            "event": "page_view",
            "timestamp": ts,
            "visitor_id": f"v_{vis}",
            "session_id": f"s_{vis}",
            "url": f"https://shop.example/p/{j % 17}?utm_source=news&utm_medium=email",
            "referrer": "https://www.google.com/" if j == 0 else None,
            "title": f"Product {j % 17} - Shop Example",
            "context": {"lib": "beaconlake-js", "screen_w": 1920, "lang": "en-US"},
        }
        for j in range(batch)
    ]
    body = orjson.dumps({"api_key": key, "sent_at": ts, "batch": events})
    head = (
        f"POST /v1/events HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {UA}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


class Gen:
    def __init__(self, url: str, key: str, batch: int, acked_path: str) -> None:
        hostport = url.split("://", 1)[1].rstrip("/")
        self.host, port = hostport.rsplit(":", 1)
        self.port = int(port)
        self.batch = batch
        self.template = request_template(hostport, key, batch)
        self.expect = orjson.dumps({"accepted": batch, "rejected": 0})
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []
        self.conns = 0
        self.max_conns = 0
        self.visitor = int.from_bytes(os.urandom(2)) % VISITORS
        self.acked = open(acked_path, "w")  # noqa: SIM115 - closed in main
        self.attempted = open(acked_path + ".attempted", "w")  # noqa: SIM115
        self.statuses: collections.Counter = collections.Counter()
        self.errors: list[str] = []  # answers no client should get: the test fails on them
        self.acked_n = 0  # acknowledged requests
        self.give_up = False
        self.slots: asyncio.Semaphore | None = None  # bounds requests in flight (steady phase)

    def build(self) -> tuple[bytes, bytes]:
        """A fresh request: new ids, the next visitor, now as the time."""
        h = os.urandom(15).hex()
        prefix = f"{h[:8]}-{h[8:12]}-4{h[12:15]}-8{h[15:18]}-{h[18:28]}".encode()
        self.visitor = (self.visitor + 1) % VISITORS
        now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")[:23] + "Z"
        req = self.template.replace(ID_HOLE, prefix).replace(TS_HOLE, now.encode())
        return prefix, req.replace(VISITOR_HOLE, b"%08d" % self.visitor)

    async def _conn(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, bool]:
        """A connection: an idle kept-alive one when there is one (reused=True), else a new one."""
        while self.idle:
            reader, writer, since = self.idle.pop()
            if time.monotonic() - since < IDLE_MAX_S and not reader.at_eof():
                return reader, writer, True
            self.conns -= 1  # the server may be closing it: never send on it (as browsers do)
            writer.close()
        self.conns += 1
        self.max_conns = max(self.max_conns, self.conns)
        try:
            return *await asyncio.open_connection(self.host, self.port, limit=1 << 20), False
        except BaseException:
            self.conns -= 1
            raise

    async def _post(self, req: bytes) -> tuple[int, bytes]:
        reader, writer, reused = await self._conn()
        try:
            writer.write(req)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            lower = head.lower()
            i = lower.find(b"content-length:")
            if i < 0:
                raise ConnectionError("answer without Content-Length")
            n = int(lower[i + 15 : lower.index(b"\r\n", i)])
            body = await reader.readexactly(n)
        except BaseException as e:
            self.conns -= 1
            writer.close()
            if reused and isinstance(e, OSError | asyncio.IncompleteReadError):
                e.add_note("reused")  # on a kept-alive connection: tells the test which kind
            raise
        if b"connection: close" in lower:
            self.conns -= 1
            writer.close()
        else:
            self.idle.append((reader, writer, time.monotonic()))
        return status, body

    async def send(self, since: float | None = None) -> tuple[int, float]:
        """Send one new batch until it is acknowledged; (events acked, seconds since `since`)."""
        prefix, req = self.build()
        self.attempted.write(prefix.decode() + "\n")
        since = time.monotonic() if since is None else since
        while True:
            try:
                if self.slots is None:
                    status, body = await self._post(req)
                else:
                    async with self.slots:
                        status, body = await self._post(req)
            except (OSError, asyncio.IncompleteReadError, ValueError) as e:
                where = " on a reused connection" if "reused" in getattr(e, "__notes__", ()) else ""
                self.statuses[type(e).__name__ + where] += 1
                if self.give_up:
                    return 0, 0.0
                await asyncio.sleep(0.2)
                continue
            self.statuses[status] += 1
            if status == 200:
                if body != self.expect:
                    self.errors.append(f"200 {body[:200]!r}")
                self.acked.write(prefix.decode() + "\n")
                self.acked_n += 1
                return self.batch, time.monotonic() - since
            if status not in RETRYABLE:
                self.errors.append(f"{status} {body[:200]!r}")
                return 0, 0.0
            if self.give_up:
                return 0, 0.0
            await asyncio.sleep(0.25)

    async def peak(self, max_conns: int, step_s: float, start_conns: int) -> dict:
        """Closed loop with doubling connections up to `max_conns`; the best step's events/s.

        A fixed ladder, not a time budget: under a time budget a quiet moment fitted one more
        doubling than a busy one, and the "peak" (and the 80% load after it) swung 2-4x.
        """
        steps: list[dict] = []
        counted = [0]
        window_open = [False]
        stop = [False]

        async def worker() -> None:
            while not stop[0]:
                n, _ = await self.send()
                if window_open[0]:
                    counted[0] += n

        tasks: list[asyncio.Task] = []
        conns = start_conns
        cpu0, t0 = time.process_time(), time.monotonic()
        while conns <= max_conns:
            tasks += [asyncio.create_task(worker()) for _ in range(conns - len(tasks))]
            await asyncio.sleep(step_s * 0.25)  # let the new connections settle
            counted[0], window_open[0] = 0, True
            c0, w0 = time.process_time(), time.monotonic()
            await asyncio.sleep(step_s * 0.75)
            window_open[0] = False
            wall = time.monotonic() - w0
            rate = counted[0] / wall
            steps.append(
                {"conns": conns, "events_per_s": round(rate), "gen_cpu": round(
                    (time.process_time() - c0) / wall, 2)}
            )  # fmt: skip
            if len(steps) >= 3 and all(
                s["events_per_s"] < 1.1 * max(x["events_per_s"] for x in steps[:-2])
                for s in steps[-2:]
            ):
                break  # two doublings in a row without 10% more: saturated (noise-proof)
            conns *= 2
        stop[0] = True
        await asyncio.gather(*tasks)
        best = max(steps, key=lambda s: s["events_per_s"])
        saturated = len(steps) > 1 and steps[-1]["events_per_s"] < 1.1 * max(
            s["events_per_s"] for s in steps[:-1]
        )  # the last doubling did not pay
        return {
            "phase": "peak",
            "peak_events_per_s": best["events_per_s"],
            "peak_conns": best["conns"],
            "steps": steps,
            "server_saturated": saturated,  # doubling the connections stopped paying
            "gen_cpu": round((time.process_time() - cpu0) / (time.monotonic() - t0), 2),
            "acked_requests": self.acked_n,
            "statuses": {str(k): v for k, v in self.statuses.items()},
            "errors": self.errors[:5],
        }

    async def steady(
        self, rate: float, seconds: float, grace_s: float, max_conns: int | None = None
    ) -> dict:
        """Open loop at `rate` events/s for `seconds`; then `grace_s` for retried batches.

        With `max_conns`, at most that many requests are in flight (a proxy's upstream pool, or
        wrk2's fixed connections): a late answer delays later requests, whose latency still
        counts from their scheduled time, instead of opening connection after connection.
        """
        self.statuses.clear()
        self.slots = asyncio.Semaphore(max_conns) if max_conns else None
        acked0 = self.acked_n
        interval = self.batch / rate
        latencies: list[float] = []
        pending: set[asyncio.Task] = set()
        behind = 0.0
        loop = asyncio.get_running_loop()

        in_window = [0]

        async def one(at: float) -> None:
            n, lat = await self.send(at)
            if n:
                latencies.append(lat)
                if time.monotonic() <= t0 + seconds:
                    in_window[0] += n

        cpu0 = time.process_time()
        t0 = time.monotonic()
        i = 0
        while True:
            at = t0 + i * interval
            if at >= t0 + seconds:
                break
            delay = at - time.monotonic()
            if delay > 0.0005:
                await asyncio.sleep(delay)
            else:
                behind = max(behind, -delay)
            t = loop.create_task(one(at))
            pending.add(t)
            t.add_done_callback(pending.discard)
            i += 1
            if i % 64 == 0:
                await asyncio.sleep(0)  # let answers in even when behind schedule
        sent_s = time.monotonic() - t0
        cpu = (time.process_time() - cpu0) / sent_s
        if pending:
            _, still = await asyncio.wait(pending, timeout=grace_s)
            self.give_up = True
            if still:
                await asyncio.wait(still, timeout=30)
        latencies.sort()

        def pct(p: float) -> float:
            return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 1)

        acked = self.acked_n - acked0
        return {
            "phase": "steady",
            "requests": i,
            "acked_requests": acked,
            "acked_events": acked * self.batch,
            "sent_events_per_s": round(i * self.batch / sent_s),
            "acked_in_window_per_s": round(in_window[0] / seconds),  # answered within `seconds`
            "statuses": {str(k): v for k, v in self.statuses.items()},
            "errors": self.errors[:5],
            "n_errors": len(self.errors),
            "p50_ms": pct(0.5) if latencies else None,
            "p99_ms": pct(0.99) if latencies else None,
            "max_ms": pct(1.0) if latencies else None,
            "max_conns": self.max_conns,
            "schedule_lag_ms": round(behind * 1000, 1),  # > 0: the generator fell behind
            "gen_cpu": round(cpu, 2),
        }


def _say(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


async def _main(a: argparse.Namespace) -> None:
    g = Gen(a.url, a.key, a.batch, a.acked_file)
    try:
        if a.peak_max_conns > 0:
            _say(await g.peak(a.peak_max_conns, a.step_s, a.start_conns))
        line = await asyncio.to_thread(sys.stdin.readline)
        if not line.strip():
            return
        cmd = json.loads(line)
        _say({"phase": "steady-start"})
        steady = g.steady(
            float(cmd["rate"]), float(cmd["seconds"]), a.grace_s, cmd.get("max_conns")
        )
        _say(await steady)
    finally:
        g.acked.close()
        g.attempted.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("url")
    p.add_argument("key")
    p.add_argument("acked_file")
    p.add_argument("--batch", type=int, default=20)
    p.add_argument("--peak-max-conns", type=int, default=1024, help="0: no peak phase")
    p.add_argument("--step-s", type=float, default=1.6)
    p.add_argument("--start-conns", type=int, default=64)
    p.add_argument("--grace-s", type=float, default=30.0)
    a = p.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):  # root may raise the hard limit too
        hard = max(hard, 65_536)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if a.peak_max_conns > hard - 64:  # a socket each, and a few files: stay under the limit
        a.peak_max_conns = max(a.start_conns, hard - 64)
    # A real audience sends from other machines, on time. Here the generator shares two cores
    # with the collector, the pipeline and other tests: starved, it fell 15 s behind and then
    # fired its backlog at once, a burst of 9,000 connections no audience sends. It needs a
    # few % of a core; ahead of the others in the CPU queue, it keeps its schedule.
    with contextlib.suppress(PermissionError, OSError):
        os.setpriority(os.PRIO_PROCESS, 0, -10)
    import uvloop

    uvloop.run(_main(a))


if __name__ == "__main__":
    main()
