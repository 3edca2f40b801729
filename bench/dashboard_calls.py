"""Wall and CPU seconds of each query call of one Overview view, on a lake bench/dashboard.py built.

    nice -n 5 .venv/bin/python bench/dashboard_calls.py --root /tmp/blx-10m [--page /pricing]
        [--code DIR] [--repeat 5]

dashboard.py times a whole click; this splits it by call (kpis, timeseries, the four
breakdowns) and reports process CPU, which a loaded machine inflates less than wall time.
`--code` runs another checkout's streamlit_app (e.g. `git archive` of an older commit) for a
back-to-back comparison. Both Streamlit caches are cleared before each repeat, so the first
call pays for what the view fetches once (page_filter).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import statistics
import sys
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--page", default="/pricing", help="the page filter; '' for none")
    ap.add_argument("--code", default=str(Path(__file__).resolve().parents[1]))
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    sys.path.insert(0, args.code)
    logging.disable(logging.WARNING)
    import streamlit as st

    from streamlit_app import queries
    from streamlit_app.filters import Filters, period

    root = args.root
    now = dt.datetime.fromisoformat(json.loads((Path(root) / "bench.json").read_text())["now"])
    f = Filters("demo", *period("Last 30 days", now.date()))
    if args.page:
        f = f.with_dim("page", args.page)
    calls = {
        "kpis": lambda: queries.kpis(root, f),
        "timeseries": lambda: queries.timeseries(root, f),
    }
    for d in ("page", "channel", "browser"):
        calls[f"breakdown {d}"] = lambda d=d: queries.breakdown(root, f, d)
    calls["breakdown country"] = lambda: queries.breakdown(root, f, "country", limit=250)
    queries.projects(root)
    queries.kpis(root, Filters(f.project, f.start, f.end))  # the snapshot, built once
    wall: dict[str, list[float]] = {k: [] for k in calls}
    cpu: dict[str, list[float]] = {k: [] for k in calls}
    for _ in range(args.repeat):
        st.cache_data.clear()
        st.cache_resource.clear()
        for name, call in calls.items():
            c0, t0 = time.process_time(), time.perf_counter()
            call()
            wall[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)
    for name in calls:
        w, c = statistics.median(wall[name]), statistics.median(cpu[name])
        print(f"{name:18s} wall {w:.3f} cpu {c:.3f}")
    total = [sum(x) for x in zip(*cpu.values(), strict=True)]
    print(f"{'view':18s} wall {sum(statistics.median(v) for v in wall.values()):.3f} "
          f"cpu {statistics.median(total):.3f}")  # fmt: skip
    st.cache_data.clear()
    print(json.dumps(queries.kpis(root, f)))


if __name__ == "__main__":
    main()
