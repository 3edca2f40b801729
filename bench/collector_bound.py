"""What answering after a group commit costs by itself: the bare handler against the same handler
whose answers wait for a zero-cost group "commit" every G ms (bench/hold_app.py).

    .venv/bin/python bench/collector_bound.py [--holds 0,20,50,100,100d] [--seconds 6]

For each scenario (single events, batches of 50) and each cycle G, both servers are driven at each
connection count (alternating, as bench/collector.py does); a server's peak is its best count.
The ratio hold(G) / bare bounds any collector with that commit cycle from above: it parses as
little as the bare handler and its commits cost nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.collector import SCENARIOS, UVICORN_ARGS, _bodies, _start, _stop, wrk


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--holds",
        default="0,20,50,100,100d",
        help="commit cycles to try, ms; a trailing d drops each parsed body before waiting",
    )
    ap.add_argument("--seconds", type=int, default=6)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--conns-single", default="250,1000,2000,4000")
    ap.add_argument("--conns-batch", default="64,256,1000,2000")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bl-bound-"))
    scripts = _bodies(tmp, "bench-key")
    w = ["--workers", str(a.workers)]
    servers = {"bare": ["-m", "uvicorn", "bench.bare_app:app", *UVICORN_ARGS, *w]}
    envs = {"bare": dict(os.environ)}
    for g in a.holds.split(","):
        servers[f"hold{g}"] = ["-m", "uvicorn", "bench.hold_app:app", *UVICORN_ARGS, *w]
        keep = "0" if g.endswith("d") else "1"
        envs[f"hold{g}"] = dict(os.environ, BENCH_HOLD_MS=g.rstrip("d"), BENCH_HOLD_KEEP=keep)
    procs, urls = {}, {}
    print(f"load before {os.getloadavg()[0]:.2f}")
    try:
        for name, args in servers.items():
            procs[name], urls[name] = _start(args, envs[name], tmp / f"{name}.log")
        conns = {"single": a.conns_single, "batch50": a.conns_batch}
        for sc, per in SCENARIOS.items():
            runs: dict[str, list] = {n: [] for n in servers}
            for c in (int(x) for x in conns[sc].split(",")):
                for name in servers:
                    runs[name].append(wrk(urls[name], scripts[sc], c, a.seconds))
            peaks = {n: max(r, key=lambda x: x["ok_rps"]) for n, r in runs.items()}
            bare = peaks["bare"]["ok_rps"]
            print(f"\n{sc} (events a request: {per})")
            print("| server | peak | at conns | p50 / p99 ms | ratio to bare | all counts |")
            print("|---|---|---|---|---|---|")
            for n, p in peaks.items():
                allc = ", ".join(f"{r['ok_rps'] * per:,.0f}@{r['conns']}" for r in runs[n])
                print(
                    f"| {n} | {p['ok_rps'] * per:,.0f} | {p['conns']} | {p['p50_ms']:.0f} / "
                    f"{p['p99_ms']:.0f} | {p['ok_rps'] / bare:.2f} | {allc} |"
                )
    finally:
        for p in procs.values():
            _stop(p)
    print(f"\nload after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
