"""A silver `events` fixture with answers computed by hand from SPEC 4 (see the comments).

Day 0 is Monday 2026-11-02 (UTC). Visitors, one scenario each:
- vA: three page views, a page_leave, a click, a vital, then a purchase 38.5 min later (a new
  session sA-1 without page views); funnel checkout reached in full.
- vB: one page view left after 5 s (a bounce). vC: no session_id, split at a 50-minute gap.
- vD: a ping every 20 min from Tue 00:00 for 24 h 40 min: capped at 24 h (the event at exactly
  24 h stays, the next starts sD-1), across midnight.
- vE + vF: one user (user-1, already resolved by enrichment) on two devices; funnel across them.
- vG: an event still carrying its visitor as person, then identify as user-2 (merged by dbt).
- vH: funnel steps out of order; a page_leave with a negative duration (ignored).
  vI: step 3 one microsecond past the 14-day window.
  vJ: step 3 at exactly 14 days (the limit is included).
- vK: four LCP samples 1000/2000/3000/5000 on /p75 (p75 = 3500), one page view reporting twice
  (the last value wins), one value over 15 minutes (dropped), an INP.
- vBot: a bot, excluded from every mart.
Replay: one rrweb chunk recorded in sK (so only sK has_replay).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

PROJECT = "p1"
NOV = datetime(2026, 11, 1, tzinfo=UTC)


def at(day: int, h: int = 0, m: int = 0, s: float = 0) -> datetime:
    """2026-11-<day> h:m:s UTC."""
    return NOV.replace(day=day) + timedelta(hours=h, minutes=m, seconds=s)


def _ev(
    eid: str,
    name: str,
    t: datetime,
    visitor: str,
    session: str | None,
    path: str | None = None,
    *,
    person: str | None = None,
    user: str | None = None,
    props: dict[str, Any] | None = None,
    device: str = "desktop",
    bot: bool = False,
) -> dict[str, Any]:
    return {
        "event_id": eid,
        "project_id": PROJECT,
        "event": name,
        "event_time": t,
        "event_time_source": "skew_corrected",
        "received_at": t + timedelta(seconds=1),
        "visitor_id": visitor,
        "session_id": session,
        "user_id": user,
        "person_id": person or visitor,
        "url": f"https://shop.example{path}" if path else None,
        "host": "shop.example",
        "path": path,
        "channel": "direct" if visitor != "vB" else "organic_search",
        "referrer_host": "www.google.com" if visitor == "vB" else None,
        "properties": json.dumps(props) if props is not None else None,
        "browser": "Chrome",
        "os": "Linux",
        "device_type": "bot" if bot else device,
        "country": "DE",
        "is_bot": bot,
        "bronze_version": 1,
        "event_date": t.date(),
    }


def events() -> list[dict[str, Any]]:
    rows = [
        # vA / sA
        _ev("a1", "page_view", at(2, 10), "vA", "sA", "/catalog"),
        _ev(
            "a2",
            "page_leave",
            at(2, 10, 0, 20),
            "vA",
            "sA",
            "/catalog",
            props={"duration_ms": 15000},
        ),
        _ev("a3", "page_view", at(2, 10, 0, 30), "vA", "sA", "/product/1"),
        _ev("a4", "click", at(2, 10, 0, 40), "vA", "sA", "/product/1", props={"tag": "button"}),
        _ev("a5", "page_view", at(2, 10, 1), "vA", "sA", "/product/2"),
        _ev(
            "a6",
            "web_vital",
            at(2, 10, 1, 30),
            "vA",
            "sA",
            "/product/2",
            props={"name": "LCP", "value": 2000},
        ),
        _ev("a7", "purchase", at(2, 10, 40), "vA", "sA", "/product/2"),
        # vB: a bounce
        _ev("b1", "page_view", at(2, 11), "vB", "sB", "/catalog"),
        _ev(
            "b2", "page_leave", at(2, 11, 0, 5), "vB", "sB", "/catalog", props={"duration_ms": 5000}
        ),
        # vC: no session_id
        _ev("c1", "page_view", at(2, 12), "vC", None, "/x"),
        _ev("c2", "click", at(2, 12, 10), "vC", None, "/x"),
        _ev("c3", "page_view", at(2, 13), "vC", None, "/y"),
        # vE + vF = user-1
        _ev("e1", "page_view", at(5, 9), "vE", "sE", "/catalog", person="user-1"),
        _ev("e2", "identify", at(5, 9, 1), "vE", "sE", "/catalog", person="user-1", user="user-1"),
        _ev(
            "e3", "page_view", at(5, 9, 2), "vE", "sE", "/product/9", person="user-1", user="user-1"
        ),
        _ev("f1", "page_view", at(5, 20), "vF", "sF", "/product/3", person="user-1", user="user-1"),
        _ev(
            "f2", "purchase", at(5, 20, 1), "vF", "sF", "/checkout", person="user-1", user="user-1"
        ),
        # vG: unresolved earlier event, then identify
        _ev("g1", "page_view", at(5, 10), "vG", "sG", "/about"),
        _ev("g2", "identify", at(5, 10, 1), "vG", "sG", "/about", person="user-2", user="user-2"),
        # vH: out of order
        _ev("h1", "purchase", at(6, 10), "vH", "sH", "/checkout"),
        _ev("h2", "page_view", at(6, 10, 1), "vH", "sH", "/product/5"),
        # a page_leave with a nonsense duration: ignored, h2 falls back to the next event
        _ev(
            "h4",
            "page_leave",
            at(6, 10, 1, 30),
            "vH",
            "sH",
            "/product/5",
            props={"duration_ms": -5},
        ),
        _ev("h3", "page_view", at(6, 10, 2), "vH", "sH", "/catalog"),
        # vI: purchase 14 d + 1 us after the step-1 event
        _ev("i1", "page_view", at(1), "vI", "sI", "/catalog"),
        _ev("i2", "page_view", at(8), "vI", "sI", "/product/7"),
        _ev("i3", "purchase", at(15, 0, 0, 0.000001), "vI", "sI", "/checkout"),
        # vJ: purchase at exactly 14 d
        _ev("j1", "page_view", at(1, 12), "vJ", "sJ", "/catalog"),
        _ev("j2", "page_view", at(10), "vJ", "sJ", "/product/1"),
        _ev("j3", "purchase", at(15, 12), "vJ", "sJ", "/checkout"),
        # the bot
        _ev("x1", "page_view", at(2, 10), "vBot", "sBot", "/catalog", bot=True),
    ]
    # vD: page view at Tue 00:00, then pings every 20 min until Wed 00:40 (74 events)
    rows.append(_ev("d000", "page_view", at(3), "vD", "sD", "/long"))
    for k in range(1, 75):
        rows.append(
            _ev(f"d{k:03d}", "ping", at(3) + timedelta(minutes=20 * k), "vD", "sD", "/long")
        )
    # vK: web vitals, on a mobile
    k = [
        ("page_view", "/p75", None),
        ("web_vital", "/p75", {"name": "LCP", "value": 9000}),
        ("web_vital", "/p75", {"name": "LCP", "value": 1000}),
        ("page_view", "/p75", None),
        ("web_vital", "/p75", {"name": "LCP", "value": 2000}),
        ("page_view", "/p75", None),
        ("web_vital", "/p75", {"name": "LCP", "value": 3000}),
        ("page_view", "/p75", None),
        ("web_vital", "/p75", {"name": "LCP", "value": 5000}),
        ("page_view", "/slow", None),
        ("web_vital", "/slow", {"name": "LCP", "value": 1_000_000}),
        ("web_vital", "/p75", {"name": "INP", "value": 150}),
    ]
    for n, (name, path, props) in enumerate(k, start=1):
        rows.append(
            _ev(
                f"k{n:02d}",
                name,
                at(6, 14, 0, n - 1),
                "vK",
                "sK",
                path,
                props=props,
                device="mobile",
            )
        )
    return rows


def replay_chunks() -> list[dict[str, Any]]:
    t = at(6, 14, 0, 1)
    return [
        {
            "event_id": "r1",
            "project_id": PROJECT,
            "session_id": "sK",
            "visitor_id": "vK",
            "seq": 0,
            "first_ts": t,
            "last_ts": t + timedelta(seconds=5),
            "event_count": 3,
            "payload": "[]",
            "received_at": t,
            "event_date": t.date(),
        }
    ]
