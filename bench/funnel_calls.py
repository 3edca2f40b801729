"""CPU and wall seconds of each Funnels click, on a lake bench/dashboard.py built.

    nice -n 5 .venv/bin/python bench/funnel_calls.py --root /tmp/blx-10m [--code DIR]
        [--repeat 5]

dashboard.py times whole clicks in wall seconds, which a loaded machine inflates 2-4x; this
reports process CPU (both threads) per click, median of --repeat, Streamlit's result cache
cleared before each. With a checkout that keeps silver's funnel columns (funnel_cache), they
are built first and that build is reported apart (CPU, wall, rows, MiB kept, peak RSS).
`--code` runs another checkout's streamlit_app (e.g. a worktree of an older commit) for a
back-to-back comparison; the last line has the figures' checksum, equal for equal results.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import logging
import resource
import statistics
import sys
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--code", default=str(Path(__file__).resolve().parents[1]))
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    sys.path.insert(0, args.code)
    logging.disable(logging.WARNING)
    import streamlit as st

    from streamlit_app import funnel_defs, queries
    from streamlit_app.filters import period

    root = args.root
    now = dt.datetime.fromisoformat(json.loads((Path(root) / "bench.json").read_text())["now"])
    start, end = period("Last 30 days", now.date())
    d0, d1 = start.date(), (end - dt.timedelta(microseconds=1)).date()
    funnels = funnel_defs.load(Path(args.code) / "dbt_project" / "funnels.yml")
    checkout = {f.name: f for f in funnels}["checkout"]
    three = (("page_view", "/"), ("page_view", "/product/*"), ("purchase", None))
    calls = {  # bench/dashboard.py's Funnels clicks
        "builder (default steps)": (
            (("page_view", None), ("page_view", None)), 14 * 86400.0, None),
        "checkout by device": (checkout.steps, checkout.window_s, "device"),
        "ad-hoc 3 steps": (three, 86400.0, None),
    }  # fmt: skip
    try:
        from streamlit_app import funnel_cache
    except ImportError:  # a checkout without it: every click runs the SQL
        funnel_cache = None
    if funnel_cache is not None:
        c0, t0 = time.process_time(), time.perf_counter()
        kept = funnel_cache.get(root, "demo", d0)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{'columns built':24s} wall {time.perf_counter() - t0:.2f} "
              f"cpu {time.process_time() - c0:.2f} rows {len(kept.t):,} "
              f"kept MiB {kept.nbytes / 2**20:.0f} peak RSS MiB {rss:.0f}")  # fmt: skip
    digest = hashlib.sha256()
    for name, (steps, window, by) in calls.items():
        wall, cpu = [], []
        for _ in range(args.repeat):
            st.cache_data.clear()
            c0, t0 = time.process_time(), time.perf_counter()
            df = queries.funnel_adhoc(root, "demo", steps, window, d0, d1, by)
            wall.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        digest.update(df.round(9).to_csv(index=False).encode())
        print(f"{name:24s} wall {statistics.median(wall):.3f} cpu {statistics.median(cpu):.3f}")
    print(f"peak RSS MiB {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}, "
          f"figures sha256 {digest.hexdigest()[:16]}")  # fmt: skip


if __name__ == "__main__":
    main()
