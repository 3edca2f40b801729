"""The dashboard's Overview queries in a loop, in a process of their own (so the soak test can
watch this process's memory apart from the test's and the load generator's).

    python -m tests.robustness.dashboard_loop LAKE_ROOT PROJECT

Imports first and prints {"ready": true}; a line "go" on stdin starts the rounds, "pause" holds
them after the current one, the end of stdin ends the process. Each round clears Streamlit's
cache (every round reads the lake afresh, as a user's first visit does) and prints
{"pageviews": n, "rss_kib": its resident memory after the round} or {"error": "..."}.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import threading


def _say(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def _rss_kib() -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def main() -> None:
    root, project = sys.argv[1], sys.argv[2]
    import streamlit as st

    from streamlit_app import queries
    from streamlit_app.filters import Filters

    running, stop = threading.Event(), threading.Event()

    def watch_stdin() -> None:
        for line in sys.stdin:
            (running.set if line.strip() == "go" else running.clear)()
        stop.set()
        running.set()

    threading.Thread(target=watch_stdin, daemon=True).start()
    _say({"ready": True})
    while True:
        running.wait()
        if stop.is_set():
            break
        now = dt.datetime.now(dt.UTC)
        f = Filters(project, now - dt.timedelta(days=1), now + dt.timedelta(days=1))
        try:
            st.cache_data.clear()
            queries.projects(root)
            k = queries.kpis(root, f)
            queries.timeseries(root, f)
            queries.breakdown(root, f, "page")
            queries.breakdown(root, f, "channel")
            queries.live(root, project, now)
            _say({"pageviews": int(k["cur"]["pageviews"] or 0), "rss_kib": _rss_kib()})
        except Exception as exc:  # reported by the test
            _say({"error": f"{type(exc).__name__}: {exc}"[:500]})
        stop.wait(0.5)


if __name__ == "__main__":
    main()
