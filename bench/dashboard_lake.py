"""Synthetic lake for the dashboard benchmark: gold, silver and bronze at the 10 M-event scale.

Vectorised with numpy/pyarrow (Python loops over rows would take minutes). Gold `sessions` and
`page_views` have the shape of real traffic (Zipf pages, weighted channels/countries/devices, a
daily curve); silver `events` holds the same page views plus the sessions' other events (clicks,
page_leave, web vitals, purchases, errors) so that the event count matches `sessions.events`;
bronze `raw_events` holds the same events as received. Times end at `now`, so the Live page has
the last 30 minutes to show. Every table goes through `lake.io` (registry schemas).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

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

PATHS = ["/", "/catalog", "/cart", "/checkout", "/blog", "/about", "/pricing", "/signup"] + [
    f"/product/{i}" for i in range(1, 193)
]
CHANNELS = (
    ["direct", "organic_search", "referral", "social", "email", "paid_search", "paid_other"],
    [0.35, 0.3, 0.1, 0.1, 0.07, 0.06, 0.02],
)
REFERRERS = {
    "organic_search": "www.google.com",
    "referral": "news.ycombinator.com",
    "social": "t.co",
    "paid_search": "www.bing.com",
}
COUNTRIES = (
    ["US", "DE", "GB", "FR", "IN", "BR", "JP", "NL", "CA", "ES", "IT", "PL"],
    [0.3, 0.12, 0.1, 0.08, 0.08, 0.06, 0.05, 0.05, 0.05, 0.04, 0.04, 0.03],
)
DEVICES = (["desktop", "mobile", "tablet"], [0.55, 0.4, 0.05])
BROWSERS = (
    ["Chrome", "Safari", "Firefox", "Edge", "Samsung Internet"],
    [0.6, 0.2, 0.08, 0.08, 0.04],
)
OSES = (["Windows", "Mac OS X", "Android", "iOS", "Linux"], [0.35, 0.15, 0.3, 0.15, 0.05])
CAMPAIGNS = ["black-friday", "newsletter-47", "spring-sale", "retargeting"]
# Other events of a session: name, weight, properties JSON before and after a number.
OTHER_EVENTS = [
    ("click", 0.42, '{"tag":"a","text":"Add to cart","selector":"#add-', '"}'),
    ("page_leave", 0.25, '{"duration_ms":', "}"),
    ("web_vital", 0.20, '{"name":"LCP","rating":"good","value":', "}"),
    ("purchase", 0.05, '{"plan":"pro","total":', "}"),
    ("signup", 0.04, '{"plan":"free","step":', "}"),
    ("error", 0.04, '{"message":"TypeError","source":"app.js","line":', "}"),
]
# Silver events carry a session's dimensions but its entry and exit paths.
EVENT_DIMS = tuple(c for c in SESSION_DIM_NAMES if c not in ("entry_path", "exit_path"))
DAY_US = 86_400_000_000


def _pick(rng: np.random.Generator, choices: tuple[list[str], list[float]], n: int) -> pa.Array:
    values, weights = choices
    idx = rng.choice(len(values), size=n, p=np.asarray(weights) / sum(weights))
    return pa.DictionaryArray.from_arrays(pa.array(idx, pa.int32()), pa.array(values)).cast(
        pa.string()
    )


def _ids(prefix: str, numbers: np.ndarray) -> pa.Array:
    return pc.binary_join_element_wise(prefix, pc.cast(pa.array(numbers), pa.string()), "")


def _ts(us: np.ndarray) -> pa.Array:
    return pa.array(us, pa.timestamp("us", tz="UTC"))


def make_gold(
    root: str, sessions: int, days: int, now: dt.datetime, project: str = "demo", seed: int = 7
) -> tuple[pa.Table, pa.Table]:
    """Gold sessions + page_views for `days` days ending at `now` (page views carry the
    session's dimensions; the registry keeps only the columns it knows)."""
    rng = np.random.default_rng(seed)
    n = sessions
    now_us = int(now.timestamp() * 1e6)
    day = rng.integers(0, days, n)
    hour = rng.normal(14, 4.5, n).clip(0, 23.99)  # a daily curve: busy afternoons (UTC)
    start_us = now_us - days * DAY_US + day * DAY_US + (hour * 3_600_000_000).astype(np.int64)
    visitors = rng.integers(0, max(int(n * 0.6), 1), n)  # some visitors come back
    pageviews = np.minimum(rng.geometric(0.4, n), 30)
    extra = rng.poisson(2.3, n)
    duration = np.where(pageviews == 1, rng.exponential(20, n), rng.exponential(180, n)).round(1)
    # nothing after now: sessions that would run past it end earlier
    duration = np.minimum(duration, np.maximum((now_us - start_us) / 1e6 - 1, 0)).round(1)
    pages = np.asarray(PATHS)
    entry = pages[(rng.zipf(1.6, n) - 1) % len(PATHS)]
    exit_ = pages[(rng.zipf(1.4, n) - 1) % len(PATHS)]
    channel = _pick(rng, CHANNELS, n)
    idx = pc.index_in(channel, pa.array(list(REFERRERS)))  # referrer follows the channel
    referrer = pc.take(pa.array(list(REFERRERS.values())), idx)
    campaign = np.where(
        rng.random(n) < 0.08, np.asarray(CAMPAIGNS)[rng.integers(0, 4, n)], None
    ).astype(object)
    vis_ids = _ids("v", visitors)
    sess = pa.table(
        {
            "project_id": pa.repeat(project, n),
            "session_id": _ids("s", np.arange(n)),
            "person_id": vis_ids,
            "visitor_id": vis_ids,
            "started_at": _ts(start_us),
            "ended_at": _ts(start_us + (duration * 1e6).astype(np.int64)),
            "duration_s": duration,
            "pageviews": pageviews,
            "events": pageviews + extra,
            "is_bounce": (pageviews == 1) & (duration < 10),
            "entry_path": entry,
            "exit_path": exit_,
            "channel": channel,
            "referrer_host": referrer,
            "utm_source": pa.array(np.where(campaign != None, "newsletter", None)),  # noqa: E711
            "utm_medium": pa.array(np.where(campaign != None, "email", None)),  # noqa: E711
            "utm_campaign": pa.array(campaign),
            "country": _pick(rng, COUNTRIES, n),
            "browser": _pick(rng, BROWSERS, n),
            "os": _pick(rng, OSES, n),
            "device_type": _pick(rng, DEVICES, n),
            "has_replay": pa.repeat(False, n),
        }
    )
    # page views: pageviews[i] rows for session i, spread over its duration
    owner = np.repeat(np.arange(n), pageviews)
    order = np.arange(len(owner)) - np.repeat(np.cumsum(pageviews) - pageviews, pageviews)
    offset = (order / np.maximum(pageviews[owner], 1) * duration[owner] * 1e6).astype(np.int64)
    pv_paths = pages[(rng.zipf(1.5, len(owner)) - 1) % len(PATHS)]
    pv_paths[order == 0] = entry[owner[order == 0]]
    take = pa.array(owner)
    pv = pa.table(
        {
            "project_id": pa.repeat(project, len(owner)),
            "event_id": _ids("e", np.arange(len(owner))),
            "session_id": pc.take(sess["session_id"], take),
            "person_id": pc.take(sess["person_id"], take),
            "event_time": _ts(start_us[owner] + offset),
            "path": pv_paths,
            "title": pv_paths,
            "engaged_ms": (rng.exponential(30_000, len(owner))).astype(np.int64),
            "is_entry": order == 0,
            "is_exit": order == pageviews[owner] - 1,
            **{c: pc.take(sess[c], take) for c in SESSION_DIM_NAMES},
        }
    )
    io.overwrite(SESSIONS, sess, root=root)
    io.overwrite(PAGE_VIEWS, pv, root=root)
    return sess, pv


def make_silver(
    root: str, sess: pa.Table, pv: pa.Table, now: dt.datetime, seed: int = 11
) -> pa.Table:
    """Silver events: the gold page views plus each session's other events, within its time."""
    rng = np.random.default_rng(seed)
    extra = (pc.subtract(sess["events"], sess["pageviews"])).to_numpy()
    owner = np.repeat(np.arange(sess.num_rows), extra)
    m = len(owner)
    start = sess["started_at"].cast(pa.int64()).to_numpy()
    dur_us = (sess["duration_s"].to_numpy() * 1e6).astype(np.int64)
    t_other = start[owner] + (rng.random(m) * dur_us[owner]).astype(np.int64)
    names, weights, heads, tails = zip(*OTHER_EVENTS, strict=True)
    kind = rng.choice(len(names), size=m, p=np.asarray(weights) / sum(weights))
    number = pc.cast(pa.array(rng.integers(1, 5000, m)), pa.string())
    props = pc.binary_join_element_wise(
        pc.take(pa.array(heads), pa.array(kind)),
        number,
        pc.take(pa.array(tails), pa.array(kind)),
        "",
    )
    take = pa.array(owner)
    paths = np.asarray(PATHS)[(rng.zipf(1.5, m) - 1) % len(PATHS)]
    other = {
        "event_id": _ids("x", np.arange(m)),
        "event": pc.take(pa.array(names), pa.array(kind)),
        "event_time": _ts(t_other),
        "session_id": pc.take(sess["session_id"], take),
        "visitor_id": pc.take(sess["visitor_id"], take),
        "person_id": pc.take(sess["person_id"], take),
        "path": pa.array(paths),
        "properties": props,
    }
    pv_owner = pa.array(pc.index_in(pv["session_id"], sess["session_id"]))
    views = {
        "event_id": pv["event_id"],
        "event": pa.repeat("page_view", pv.num_rows),
        "event_time": pv["event_time"],
        "session_id": pv["session_id"],
        "visitor_id": pc.take(sess["visitor_id"], pv_owner),
        "person_id": pv["person_id"],
        "path": pv["path"],
        "properties": pa.repeat("{}", pv.num_rows),
    }
    both = pa.concat_tables([pa.table(views), pa.table(other).cast(pa.table(views).schema)])
    who = pa.concat_arrays([pv_owner.cast(pa.int64()), pa.array(owner, pa.int64())])
    t = both["event_time"]
    ev = both.append_column("received_at", pc.add(t, pa.scalar(dt.timedelta(seconds=1))))
    url = pc.binary_join_element_wise("https://shop.example", both["path"], "")
    for name, col in {
        "project_id": pa.repeat(sess["project_id"][0].as_py(), ev.num_rows),
        "event_time_source": pa.repeat("skew_corrected", ev.num_rows),
        "url": url,
        "host": pa.repeat("shop.example", ev.num_rows),
        "title": both["path"],
        "context": pa.repeat('{"lib":"beaconlake-js","lib_version":"0.1.0"}', ev.num_rows),
        "is_bot": pa.repeat(False, ev.num_rows),
        "bronze_version": pa.repeat(0, ev.num_rows),
        "event_date": pc.cast(t, pa.date32()),
        **{c: pc.take(sess[c], who) for c in EVENT_DIMS},
    }.items():
        ev = ev.append_column(name, col)
    io.overwrite(EVENTS, ev, root=root)
    return ev


def make_bronze(root: str, events: pa.Table, now: dt.datetime) -> None:
    """Bronze: the same events as received, plus a few thousand rejected ones."""
    raw = events.select(
        [
            "event_id",
            "event",
            "visitor_id",
            "session_id",
            "url",
            "title",
            "properties",
            "context",
            "received_at",
            "project_id",
        ]
    )
    raw = raw.append_column("received_date", pc.cast(raw["received_at"], pa.date32()))
    raw = raw.append_column("ingest_batch_id", pc.cast(raw["received_date"], pa.string()))
    io.overwrite(RAW_EVENTS, raw, root=root)
    n = 3000
    rng = np.random.default_rng(3)
    reasons = ["invalid_timestamp", "missing_event", "event_name_too_long"]
    at = int(now.timestamp() * 1e6) - rng.integers(0, 30 * DAY_US, n)
    rej = pa.table(
        {
            "received_at": _ts(at),
            "project_id": pa.repeat("demo", n),
            "reason": pa.array(np.asarray(reasons)[rng.integers(0, 3, n)]),
            "detail": pa.repeat("timestamp 'yesterday' is not ISO 8601", n),
            "payload": pa.repeat('{"event":"x","timestamp":"yesterday"}', n),
            "ingest_batch_id": pa.repeat("b0", n),
        }
    )
    rej = rej.append_column("received_date", pc.cast(rej["received_at"], pa.date32()))
    io.overwrite(REJECTED_EVENTS, rej, root=root)


def make_small_gold(root: str, days: int, now: dt.datetime, seed: int = 5) -> None:
    """web_vitals per (day, path, device, metric), funnel_steps, daily_stats and retention."""
    rng = np.random.default_rng(seed)
    first = now.date() - dt.timedelta(days=days - 1)
    grid = np.array(
        np.meshgrid(
            np.arange(days), np.arange(len(PATHS)), np.arange(3), np.arange(5), indexing="ij"
        )
    ).reshape(4, -1)
    n = grid.shape[1]
    scale = np.asarray([2500.0, 200.0, 0.1, 1800.0, 800.0])[grid[3]]
    good = rng.beta(6, 2, n)
    poor = (1 - good) * rng.random(n)
    vit = pa.table(
        {
            "project_id": pa.repeat("demo", n),
            "day": pa.array([first + dt.timedelta(days=int(d)) for d in range(days)]).take(
                pa.array(grid[0])
            ),
            "path": pa.array(np.asarray(PATHS)[grid[1]]),
            "device_type": pa.array(np.asarray(DEVICES[0])[grid[2]]),
            "metric": pa.array(np.asarray(["LCP", "INP", "CLS", "FCP", "TTFB"])[grid[3]]),
            "samples": rng.integers(1, 500, n),
            "p75": scale * rng.lognormal(0, 0.4, n),
            "good_share": good,
            "needs_improvement_share": 1 - good - poor,
            "poor_share": poor,
        }
    )
    io.overwrite(WEB_VITALS, vit, root=root)
    steps = [("page_view /catalog", 1.0), ("page_view /product/*", 0.45), ("purchase", 0.2)]
    funnel = [
        {
            "project_id": "demo",
            "funnel": "checkout",
            "step": k,
            "step_name": name,
            "persons": int(100_000 * share),
            "conversion_from_first": share,
            "conversion_from_previous": share / (steps[k - 2][1] if k > 1 else share),
            "median_time_from_previous_s": None if k == 1 else 60.0 * k,
        }
        for k, (name, share) in enumerate(steps, 1)
    ]
    io.overwrite(FUNNEL_STEPS, io.conform(FUNNEL_STEPS, funnel), root=root)
    daily = [{"project_id": "demo", "day": first + dt.timedelta(days=d)} for d in range(days)]
    io.overwrite(DAILY_STATS, io.conform(DAILY_STATS, daily), root=root)
    # Weekly cohorts of ~60 k persons, ~20 % back in week 1 and fewer each week after.
    mondays = {d - dt.timedelta(days=d.weekday()) for d in (first, now.date())}
    monday = min(mondays)
    ret = []
    while monday <= now.date():
        size = int(rng.integers(50_000, 70_000))
        for wk in range(0, (now.date() - monday).days // 7 + 1):
            share = 1.0 if wk == 0 else 0.2 * 0.8 ** (wk - 1)
            ret.append({"project_id": "demo", "cohort_week": monday, "week_number": wk,
                        "cohort_persons": size, "persons": int(size * share),
                        "retention_share": int(size * share) / size})  # fmt: skip
        monday += dt.timedelta(days=7)
    io.overwrite(RETENTION, io.conform(RETENTION, ret), root=root)


def build(root: str, sessions: int, days: int, now: dt.datetime) -> dict[str, int]:
    """Write the whole lake; returns row counts for the report."""
    sess, pv = make_gold(root, sessions, days, now)
    ev = make_silver(root, sess, pv, now)
    make_bronze(root, ev, now)
    make_small_gold(root, days, now)
    return {"sessions": sess.num_rows, "page_views": pv.num_rows, "events": ev.num_rows}
