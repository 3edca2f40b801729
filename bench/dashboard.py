"""Benchmark: every dashboard page's queries over a synthetic ~10 M-event lake.

    .venv/bin/python bench/dashboard.py --sessions 2000000 --days 30 --repeat 3
        [--root DIR] [--write]

Builds (or reuses, with --root) gold, silver and bronze tables (bench/dashboard_lake.py), then
for each page calls the same `streamlit_app.queries` functions the page calls, in a fresh
Python process per page:
- cold: the page's first run in that process (DuckDB views built, Delta logs and Parquet files
  read; the OS file cache is warm, as on a running server);
- warm: the same queries again with Streamlit's caches cleared (median of --repeat);
- filter change: what a click costs, a new cache key (a dimension, the next page, a
  breakdown; median of --repeat, the result cache cleared before each);
- cache hit: the same view again, answered by Streamlit's result cache.
Derived data kept per table version outside Streamlit's caches (the gold snapshot's id
integers, the funnels' silver columns) is built once and reused by later runs, as on a server.
The Funnels page starts building its silver columns in the background when it renders, seconds
before a user's first click; here they are built before the clicks (not timed), and the row
"builder, nothing kept yet" drops them first: a click right after a restart or a silver rewrite,
which answers from SQL while they build again in the background.
`--write` replaces the generated block in docs/benchmarks.md's dashboard section.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
LAKE_VERSION = 4  # bump when dashboard_lake.py writes something different
DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench/dashboard.py:start -->", "<!-- bench/dashboard.py:end -->"
Action = Callable[[], object]


def page_actions(page: str, root: str, now: dt.datetime) -> dict[str, Action]:
    """The page's queries as its app_pages module calls them: 'view' first, then clicks."""
    from beaconlake.settings import get_settings
    from streamlit_app import funnel_cache, funnel_defs, queries
    from streamlit_app.filters import Filters, period

    p = "demo"
    start, end = period("Last 30 days", now.date())
    d0, d1 = start.date(), (end - dt.timedelta(microseconds=1)).date()
    f = Filters(p, start, end)
    side = lambda: queries.projects(root)  # noqa: E731 - the sidebar, on every page
    if page == "Overview":

        def overview(f: Filters = f) -> None:
            side()
            queries.kpis(root, f)
            queries.timeseries(root, f)
            for dim in ("page", "channel", "browser"):  # the first tab of each card
                queries.breakdown(root, f, dim)
            queries.breakdown(root, f, "country", limit=250)  # map and table share it

        return {
            "view": overview,
            "country = DE": lambda: overview(f.with_dim("country", "DE")),
            "page = /pricing": lambda: overview(f.with_dim("page", "/pricing")),
            "other tab (referrers)": lambda: queries.breakdown(root, f, "referrer"),
        }
    if page == "Live":
        tick = now.replace(microsecond=0)
        return {
            "view": lambda: (side(), queries.live(root, p, tick)),
            "5 s refresh": lambda: queries.live(root, p, tick + dt.timedelta(seconds=5)),
        }
    if page == "Events explorer":
        args = (root, p, d0, d1)

        def first() -> object:
            side()
            queries.event_names(root, p)
            return queries.events_page(*args, None, None, None, None, None, 50)

        def older() -> object:
            last = first_page.iloc[-1]
            cursor = (last["event_time"].to_pydatetime(), str(last["event_id"]))
            return queries.events_page(*args, None, None, None, None, cursor, 50)

        first_page = first()
        return {
            "view": first,
            "next page": older,
            "event = purchase": lambda: queries.events_page(
                *args, "purchase", None, None, None, None, 50
            ),
            "property plan = pro": lambda: queries.events_page(
                *args, None, None, "plan", "pro", None, 50
            ),
        }
    if page == "Funnels":
        checkout = {x.name: x for x in funnel_defs.load(ROOT / "dbt_project/funnels.yml")}[
            "checkout"
        ]
        builder = (("page_view", None), ("page_view", None))  # the builder's default steps

        def view() -> None:
            side()
            queries.funnel_steps(root, p)
            queries.event_names(root, p)

        def nothing_kept() -> object:
            """A click finding no columns kept (a restart, or silver rewritten since)."""
            funnel_cache.clear()
            return queries.funnel_adhoc(root, p, builder, 14 * 86400.0, d0, d1, None)

        funnel_cache.get(root, p, d0)  # what the page's background build has ready for a click
        return {
            "view": view,  # the builder waits for its "Compute funnel" button
            "builder: compute (default steps)": lambda: queries.funnel_adhoc(
                root, p, builder, 14 * 86400.0, d0, d1, None
            ),
            "checkout by device": lambda: queries.funnel_adhoc(
                root, p, checkout.steps, checkout.window_s, d0, d1, "device"
            ),
            "ad-hoc 3 steps": lambda: queries.funnel_adhoc(
                root,
                p,
                (("page_view", "/"), ("page_view", "/product/*"), ("purchase", None)),
                86400.0,
                d0,
                d1,
                None,
            ),
            "builder, nothing kept yet": nothing_kept,
        }
    if page == "Web vitals":

        def vitals(device: str | None = None) -> None:
            side()
            for by in ("metric", "day", "page"):
                queries.vitals(root, p, d0, d1, device, by)

        return {"view": vitals, "device = mobile": lambda: vitals("mobile")}
    if page == "Sessions":

        def sessions(f: Filters = f) -> object:
            side()
            for dim in ("country", "device", "channel"):
                queries.breakdown(root, Filters(p, start, end), dim, 250)
            return queries.sessions_list(root, f, None)

        def open_one(i: int) -> None:
            row = listing.iloc[i]
            queries.session_timeline(root, p, str(row["session_id"]), row["started_at"])
            queries.person_sessions(root, p, str(row["person_id"]))

        listing = sessions()
        return {
            "view": lambda: (sessions(), open_one(0)),
            "country = DE": lambda: sessions(f.with_dim("country", "DE")),
            "open another session": lambda: open_one(1),
        }
    if page == "Retention":
        week = d1 - dt.timedelta(days=6)
        return {
            "view": lambda: (side(), queries.retention(root, p, d0, d1)),
            "last 7 days": lambda: queries.retention(root, p, week, d1),
        }
    if page == "SQL":
        s = get_settings()
        default = "select channel, count(*) as sessions\nfrom sessions\ngroup by 1\norder by 2 desc"
        other = "select event, count(*) as n from events group by 1 order by 2 desc"
        run = lambda sql: queries.run_sql(  # noqa: E731
            root, sql, s.dashboard_sql_row_limit, s.dashboard_sql_timeout_s
        )
        return {
            "view": lambda: (side(), run(default)),
            "events by name (silver)": lambda: run(other),
        }
    if page == "Pipeline health":

        def health() -> None:
            side()
            queries.freshness(root)
            queries.table_stats(root)
            queries.rejected(root)
            queries.table_history(root)

        return {"view": health}
    raise ValueError(page)


PAGES = (
    "Overview",
    "Live",
    "Events explorer",
    "Funnels",
    "Web vitals",
    "Sessions",
    "Retention",
    "SQL",
    "Pipeline health",
)


def _time(fn: Action) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def measure_page(page: str, root: str, now: dt.datetime, repeat: int) -> dict:
    """One page in this (fresh) process: cold, warm, each click, cache hit."""
    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    import streamlit as st

    from streamlit_app import funnel_defs, queries  # noqa: F401 - imports are not page time

    def clear() -> None:
        """Streamlit's result cache, and the derived data kept with st.cache_resource (the page
        filter's sessions): a click pays for finding them, as a user's first click does."""
        st.cache_data.clear()
        st.cache_resource.clear()
        for thread in threading.enumerate():  # a funnel click's background build runs to its
            if thread.name == "funnel-columns":  # end here, not into the next measurement
                thread.join()

    t0 = time.perf_counter()
    actions = page_actions(page, root, now)  # may run the view once to find a cursor/session
    setup_s = time.perf_counter() - t0
    if setup_s > 0.001 and page in ("Events explorer", "Sessions"):
        cold = setup_s  # that first run was the cold view's queries
    else:
        cold = _time(actions["view"])
    warm, cpu = [], []
    for _ in range(repeat):
        clear()
        c0 = time.process_time()
        warm.append(_time(actions["view"]))
        cpu.append(time.process_time() - c0)
    clicks = {}
    for name, fn in list(actions.items())[1:]:
        runs = []
        for _ in range(repeat):
            clear()
            actions["view"]()  # the click happens on a rendered page
            runs.append(_time(fn))
        clicks[name] = statistics.median(runs)
    hit = min(_time(actions["view"]) for _ in range(repeat))
    return {
        "page": page,
        "cold": cold,
        "warm": statistics.median(warm),
        "warm_cpu": statistics.median(cpu),
        "clicks": clicks,
        "hit": hit,
    }


def ensure_lake(root: str, sessions: int, days: int) -> dict:
    """Reuse the lake under root when it was built with these arguments, else build it."""
    marker = Path(root) / "bench.json"
    if marker.is_file():
        meta = json.loads(marker.read_text())
        if (meta["sessions"], meta["days"], meta["version"]) == (sessions, days, LAKE_VERSION):
            meta["reused"] = True
            return meta
    sys.path.insert(0, str(ROOT / "bench"))
    import dashboard_lake

    now = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    counts = dashboard_lake.build(root, sessions, days, now)
    meta = {
        "sessions": sessions,
        "days": days,
        "version": LAKE_VERSION,
        "now": now.isoformat(),
        "counts": counts,
        "build_s": round(time.perf_counter() - t0, 1),
    }
    marker.write_text(json.dumps(meta))
    meta["reused"] = False
    return meta


def report(args: argparse.Namespace, meta: dict, results: list[dict], load: list[float]) -> str:
    c = meta["counts"]
    cmd = (
        f".venv/bin/python bench/dashboard.py --sessions {args.sessions} --days {args.days} "
        f"--repeat {args.repeat}"
    )
    lines = [
        START,
        f"`{cmd}` on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
        f"{os.cpu_count()} cores, load average {min(load):.1f}-{max(load):.1f} while it ran. "
        f"Synthetic lake: {c['sessions']:,} gold sessions, {c['page_views']:,} gold page views, "
        f"{c['events']:,} silver events (and as many bronze rows), 30 days"
        + (f", built in {meta['build_s']} s" if not meta["reused"] else ", reused via --root")
        + ". Period: last 30 days. Times in seconds.",
        "",
        "| page | cold | warm | warm, CPU s | click (a new cache key) | click | cache hit |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        clicks = list(r["clicks"].items()) or [("–", None)]
        for i, (name, t) in enumerate(clicks):
            cells = (
                [r["page"], f"{r['cold']:.2f}", f"{r['warm']:.2f}", f"{r['warm_cpu']:.2f}"]
                if i == 0
                else [""] * 4
            )
            hit = f"{r['hit']:.3f}" if i == 0 else ""
            click = "" if t is None else f"{t:.2f}"
            lines.append(f"| {' | '.join(cells)} | {name} | {click} | {hit} |")
    lines += ["", END]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=2_000_000)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--root", default=None, help="reuse (or build once) the lake here")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--pages", default=",".join(PAGES), help="comma-separated subset")
    ap.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)  # one page, JSON out
    args = ap.parse_args()
    root = args.root or tempfile.mkdtemp(prefix="bl-bench-")
    if args.child:
        meta = json.loads((Path(root) / "bench.json").read_text())
        now = dt.datetime.fromisoformat(meta["now"])
        print(json.dumps(measure_page(args.child, root, now, args.repeat)))
        return
    meta = ensure_lake(root, args.sessions, args.days)
    print(f"lake {root}: {meta}", file=sys.stderr)
    results, load = [], [os.getloadavg()[0]]
    for page in args.pages.split(","):
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--root",
                root,
                "--repeat",
                str(args.repeat),
                "--child",
                page,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        load.append(os.getloadavg()[0])
        print(json.dumps(results[-1]), file=sys.stderr)
    text = report(args, meta, results, load)
    print(text)
    if args.write:
        doc = DOC.read_text()
        if START in doc:
            head, rest = doc.split(START, 1)
            doc = head + text + rest.split(END, 1)[1]
        else:
            doc = doc.rstrip("\n") + "\n\n" + text + "\n"
        DOC.write_text(doc)


if __name__ == "__main__":
    main()
