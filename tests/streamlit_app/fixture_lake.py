"""A small lake with hand-counted figures: every number the dashboard tests expect is below.

Project `shop`, current period 2026-11-10..16 (Mon 9 Nov is a week start), previous period
2026-11-03..09; project `other` must never leak into `shop`'s figures.
"""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa

from lake import io
from lake.registry import (
    DAILY_STATS,
    EVENTS,
    FUNNEL_STEPS,
    PAGE_VIEWS,
    RAW_EVENTS,
    REJECTED_EVENTS,
    RETENTION,
    SESSION_DIM_NAMES,
    SESSIONS,
    WEB_VITALS,
)

XSS = "<img src=x onerror=alert(1)>"
PERIOD = ("2026-11-10", "2026-11-16")
# Expected KPIs (cur period; prev period), hand-counted from SESSION_ROWS / page views below.
KPI = {"visitors": 3, "sessions": 4, "pageviews": 7, "bounce": 0.5, "duration": 101.25}
KPI_PREV = {"visitors": 2, "sessions": 2, "pageviews": 3, "bounce": 0.0, "duration": 40.0}
KPI_DE = {"visitors": 1, "sessions": 2, "pageviews": 5, "bounce": 0.0, "duration": 200.0}
KPI_MOBILE = {"visitors": 2, "sessions": 2, "pageviews": 3, "bounce": 0.5, "duration": 50.0}


def T(day: int, hh: int, mm: int = 0, ss: int = 0, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hh, mm, ss, tzinfo=dt.UTC)


# (sid, visitor, person, start, duration_s, pages [(path, title, offset_s)], bounce, channel,
#  referrer, utm_source, utm_campaign, country, browser, os, device, project)
SESSION_ROWS = [
    ("s1", "v1", "p1", T(10, 10), 300, [("/", "Home", 0), ("/product/1", f"Product {XSS}", 60),
     ("/checkout", "Checkout", 180)], False, "organic_search", "www.google.com", None, None,
     "DE", "Chrome", "Windows", "desktop", "shop"),
    ("s2", "v2", "p2", T(11, 9), 5, [(f"/blog/{XSS}", "Blog", 0)], True, "direct", None, None,
     None, "US", "Firefox", "Mac OS X", "desktop", "shop"),
    ("s3", "v1", "p1", T(12, 12), 100, [("/", "Home", 0), ("/product/1", "Product 1", 30)],
     False, "email", None, "news", "black-friday", "DE", "Chrome", "Android", "mobile", "shop"),
    ("s4", "v3", "p3", T(15, 18), 0, [("/", "Home", 0)], True, "social", "t.co", None, None,
     "FR", "Safari", "iOS", "mobile", "shop"),
    ("s0", "v1", "p1", T(5, 8), 60, [("/", "Home", 0), ("/blog", "Blog", 30)], False, "direct",
     None, None, None, "DE", "Chrome", "Windows", "desktop", "shop"),
    ("s00", "v4", "p4", T(6, 8), 20, [("/about", "About", 0)], False, "direct", None, None,
     None, "GB", "Edge", "Windows", "desktop", "shop"),
    ("x1", "w1", "q1", T(12, 8), 999, [("/", "Other", i) for i in range(10)], False, "direct",
     None, None, None, "JP", "Chrome", "Linux", "desktop", "other"),
]  # fmt: skip


def _sessions() -> pa.Table:
    rows = []
    for (sid, vis, per, start, dur, pages, bounce, ch, ref, src, camp, cc, br, os_, dev,
         proj) in SESSION_ROWS:  # fmt: skip
        rows.append(
            {
                "project_id": proj, "session_id": sid, "person_id": per, "visitor_id": vis,
                "started_at": start, "ended_at": start + dt.timedelta(seconds=dur),
                "duration_s": float(dur), "pageviews": len(pages), "events": len(pages),
                "is_bounce": bounce, "entry_path": pages[0][0], "exit_path": pages[-1][0],
                "channel": ch, "referrer_host": ref, "utm_source": src, "utm_campaign": camp,
                "country": cc, "browser": br, "os": os_, "device_type": dev,
            }
        )  # fmt: skip
    return io.conform(SESSIONS, rows)


def _page_views_and_events(now: dt.datetime) -> tuple[pa.Table, pa.Table]:
    pvs, evs = [], []
    sessions = {r["session_id"]: r for r in _sessions().to_pylist()}
    for sid, vis, per, start, _d, pages, *_rest in SESSION_ROWS:
        proj, cc, dev = _rest[-1], _rest[-5], _rest[-2]
        dims = {k: sessions[sid][k] for k in SESSION_DIM_NAMES}  # gold copies them onto page views
        for n, (path, title, off) in enumerate(pages):
            t = start + dt.timedelta(seconds=off)
            eid = f"{sid}-pv{n}"
            pvs.append(
                {"project_id": proj, "event_id": eid, "session_id": sid, "person_id": per,
                 "event_time": t, "path": path, "title": title, "is_entry": n == 0,
                 "is_exit": n == len(pages) - 1, **dims}
            )  # fmt: skip
            evs.append(_event(eid, proj, "page_view", t, vis, sid, per, path, title, cc, dev))
    # s1 buys at 10:04 (an order over =cmd and a text starting with @)
    evs.append(
        _event(
            "s1-buy",
            "shop",
            "purchase",
            T(10, 10, 4),
            "v1",
            "s1",
            "p1",
            "/checkout",
            "Checkout",
            "DE",
            "desktop",
            {"plan": "pro", "total": "=1+2", "note": "@x"},
        )
    )
    evs.append(
        _event(
            "s3-click",
            "shop",
            "click",
            T(12, 12, 0, 10),
            "v1",
            "s3",
            "p1",
            "/",
            XSS,
            "DE",
            "mobile",
            {"text": XSS},
        )
    )
    # two live events in the last minutes, in silver
    evs.append(
        _event(
            "live-1",
            "shop",
            "page_view",
            now - dt.timedelta(minutes=2),
            "v9",
            "s9",
            "v9",
            "/live",
            "Live page",
            "NL",
            "desktop",
        )
    )
    evs.append(_event("live-2", "shop", "page_view", now - dt.timedelta(minutes=40), "v8", "s8",
                      "v8", "/old", "Too old", "NL", "desktop"))  # fmt: skip
    return io.conform(PAGE_VIEWS, pvs), io.conform(EVENTS, evs)


def _event(eid, proj, name, t, vis, sid, per, path, title, cc, dev, props=None) -> dict:
    return {
        "event_id": eid, "project_id": proj, "event": name, "event_time": t,
        "event_time_source": "client", "received_at": t, "visitor_id": vis, "session_id": sid,
        "person_id": per, "url": f"https://shop.example{path}", "host": "shop.example",
        "path": path, "title": title, "channel": "direct", "properties": json.dumps(props or {}),
        "device_type": dev, "country": cc, "is_bot": False, "bronze_version": 0,
        "event_date": t.date(), "browser": "Chrome", "os": "Windows",
    }  # fmt: skip


def _bronze(now: dt.datetime) -> tuple[pa.Table, pa.Table]:
    raw = [
        {"event_id": "live-1", "event": "page_view", "received_at": now - dt.timedelta(minutes=2),
         "project_id": "shop", "visitor_id": "v9", "url": "https://shop.example/live",
         "title": "Live page", "ingest_batch_id": "b1", "received_date": now.date()},
        {"event_id": "live-3", "event": "signup", "received_at": now - dt.timedelta(minutes=1),
         "project_id": "shop", "visitor_id": "v7", "url": "https://shop.example/signup",
         "title": XSS, "ingest_batch_id": "b2", "received_date": now.date()},
    ]  # fmt: skip
    rej = [
        {"received_at": now - dt.timedelta(hours=1), "project_id": "shop",
         "reason": "invalid_timestamp", "detail": "timestamp 'yesterday' is not ISO 8601",
         "payload": '{"event":"x","timestamp":"yesterday"}', "ingest_batch_id": "b0",
         "received_date": now.date()},
        {"received_at": now - dt.timedelta(hours=1), "project_id": "shop",
         "reason": "invalid_timestamp", "detail": "bad", "payload": "{}",
         "ingest_batch_id": "b0", "received_date": now.date()},
        {"received_at": now - dt.timedelta(hours=1), "project_id": "shop",
         "reason": "missing_event", "detail": "event is required", "payload": "{}",
         "ingest_batch_id": "b0", "received_date": now.date()},
    ]  # fmt: skip
    return io.conform(RAW_EVENTS, raw), io.conform(REJECTED_EVENTS, rej)


def _gold_small() -> tuple[pa.Table, pa.Table, pa.Table]:
    funnel = [
        {"project_id": "shop", "funnel": "checkout", "step": k, "step_name": name,
         "persons": n, "conversion_from_first": n / 100, "conversion_from_previous": cp,
         "median_time_from_previous_s": med}
        for k, name, n, cp, med in [(1, "page_view /catalog", 100, 1.0, None),
                                    (2, "page_view /product/*", 40, 0.4, 30.0),
                                    (3, "purchase", 10, 0.25, 120.0)]
    ]  # fmt: skip
    vit = []
    for path, dev, metric, p75, shares in [
        ("/", "desktop", "LCP", 2000.0, (0.8, 0.1, 0.1)),
        ("/", "desktop", "INP", 150.0, (0.9, 0.1, 0.0)),
        ("/", "desktop", "CLS", 0.05, (1.0, 0.0, 0.0)),
        ("/product/1", "mobile", "LCP", 5000.0, (0.2, 0.2, 0.6)),
        ("/product/1", "mobile", "INP", 180.0, (0.8, 0.2, 0.0)),
        ("/product/1", "mobile", "CLS", 0.02, (1.0, 0.0, 0.0)),
    ]:
        vit.append(
            {"project_id": "shop", "day": dt.date(2026, 11, 12), "path": path,
             "device_type": dev, "metric": metric, "samples": 10, "p75": p75,
             "good_share": shares[0], "needs_improvement_share": shares[1],
             "poor_share": shares[2]}
        )  # fmt: skip
    daily = [
        {"project_id": "shop", "day": dt.date(2026, 11, 10), "visitors": 1, "sessions": 1,
         "pageviews": 3, "bounce_rate": 0.0, "avg_session_duration_s": 300.0,
         "views_per_session": 3.0}
    ]  # fmt: skip
    return (
        io.conform(FUNNEL_STEPS, funnel),
        io.conform(WEB_VITALS, vit),
        io.conform(DAILY_STATS, daily),
    )


def _retention() -> pa.Table:
    """Gold retention of SESSION_ROWS, by hand. UTC weeks start Monday Nov 2 and Nov 9.
    shop: p1 first Nov 5 (week of Nov 2), back Nov 10 and 12 (week 1); p4 only Nov 6;
    p2 Nov 11 and p3 Nov 15 (a Sunday) only in the week of Nov 9. other: q1 Nov 12."""
    rows = [
        ("shop", dt.date(2026, 11, 2), 0, 2, 2),
        ("shop", dt.date(2026, 11, 2), 1, 2, 1),
        ("shop", dt.date(2026, 11, 9), 0, 2, 2),
        ("other", dt.date(2026, 11, 9), 0, 1, 1),
    ]
    keys = ("project_id", "cohort_week", "week_number", "cohort_persons", "persons")
    data = [dict(zip(keys, r, strict=True)) | {"retention_share": r[4] / r[3]} for r in rows]
    return io.conform(RETENTION, data)


def sessions_table() -> pa.Table:
    return _sessions()


def build(root: str, now: dt.datetime | None = None) -> None:
    """Write every table of the fixture lake under root."""
    now = now or dt.datetime.now(dt.UTC)
    pvs, evs = _page_views_and_events(now)
    raw, rej = _bronze(now)
    funnel, vit, daily = _gold_small()
    for table, data in [
        (SESSIONS, _sessions()), (PAGE_VIEWS, pvs), (EVENTS, evs), (RAW_EVENTS, raw),
        (REJECTED_EVENTS, rej), (FUNNEL_STEPS, funnel), (WEB_VITALS, vit), (DAILY_STATS, daily),
        (RETENTION, _retention()),
    ]:  # fmt: skip
        io.overwrite(table, data, root=root)
