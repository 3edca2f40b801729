"""The end-to-end fixture: bronze rows for every case of issue 4, with answers computed by hand
in test_end_to_end.py. Day = 2026-11-23 (UTC) unless noted; times are event times."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.orchestration.bronze import CHROME, row

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
SITE = "https://shop.example"
FUNNELS = """
funnels:
  - name: checkout
    window: 14d
    steps:
      - {event: page_view, path: /catalog}
      - {event: page_view, path: "/product/*"}
      - {event: purchase}
"""


def at(h: int, m: int = 0, s: int = 0, day: int = 23) -> dt.datetime:
    return dt.datetime(2026, 11, day, h, m, s, tzinfo=dt.UTC)


def iso(t: dt.datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def ev(eid: str, t: dt.datetime, event: str = "page_view", path: str = "/", **kw: Any) -> dict:
    """An event at true time t, received 1 s later, client clock right (no sent_at)."""
    kw.setdefault("received_at", t + dt.timedelta(seconds=1))
    return row(eid, event=event, timestamp=iso(t), url=SITE + path, **kw)


def shop() -> list[dict]:
    a = {"visitor_id": "v_a", "session_id": "s_a", "user_agent": CHROME}
    rows = [
        # A: two sessions (a 40-minute gap), identified as u_a after both began; funnel 3 steps.
        ev("a1", at(10), path="/catalog", referrer="https://www.google.com/", **a),
        ev("a2", at(10, 0, 5), "click", "/catalog", **a),
        ev("a3", at(10, 0, 20), path="/product/1", **a),
        ev("a4", at(10, 0, 50), "page_leave", "/product/1", properties={"duration_ms": 25000}, **a),
        ev("a5", at(10, 40, 50), path="/catalog", **a),
        ev("a6", at(10, 41), "identify", "/catalog", user_id="u_a", **a),
        ev("a7", at(10, 42), "purchase", "/checkout", **a),
    ]
    b = {"visitor_id": "v_b", "session_id": "s_b", "user_agent": IPHONE}
    rows += [
        # B: a bounce, sent twice (a retry with a new sent_at is the same event).
        ev("b1", at(11), sent_at=iso(at(11)), **b),
        ev("b1", at(11), sent_at=iso(at(11, 0, 29)), received_at=at(11, 0, 30), **b),
    ]
    c = {"visitor_id": "v_c", "session_id": "s_c"}
    rows += [
        # C: the funnel out of order (product before catalog): reaches step 1 only.
        ev("c1", at(12), path="/product/2", **c),
        ev("c2", at(12, 1), path="/catalog", **c),
        ev("c3", at(12, 2), "purchase", "/checkout", **c),
    ]
    d = {"visitor_id": "v_d"}
    rows += [
        # D: purchase 14 d 23 h after the catalog view: outside the window, step 2.
        ev("d1", at(10, day=8), path="/catalog", session_id="s_d1", **d),
        ev("d2", at(10, 1, day=8), path="/product/3", session_id="s_d1", **d),
        ev("d3", at(9), "purchase", "/checkout", session_id="s_d2", **d),
    ]
    f = {"visitor_id": "v_f", "session_id": "s_f"}
    for k, lcp in enumerate((1000, 2000, 3000, 5000)):
        # F: four page views of /fast, one LCP sample each: p75 = 3500 (linear interpolation).
        t = at(13, 2 * k)
        rows.append(ev(f"f{k}", t, path="/fast", **f))
        rows.append(
            ev(f"fv{k}", t + dt.timedelta(seconds=10), "web_vital", "/fast", **f,
               properties={"name": "LCP", "value": lcp, "rating": "x"})
        )  # fmt: skip
    rows += [
        # G: a bot; stays in silver, excluded from every mart.
        ev("g1", at(14), visitor_id="v_g", session_id="s_g", user_agent=GOOGLEBOT),
        # H: client clock one hour fast; sent_at corrects it to 15:00:00.
        ev(
            "h1",
            at(16),
            path="/skew",
            visitor_id="v_h",
            session_id="s_h",
            sent_at=iso(at(16, 0, 2)),
            received_at=at(15, 0, 2),
        ),
    ]
    i = {"visitor_id": "v_i", "session_id": None}
    rows += [
        # I: no session_id: sessionized by visitor (10 min apart: same; 2 h later: new).
        ev("i1", at(17), path="/i1", **i),
        ev("i2", at(17, 10), path="/i2", **i),
        ev("i3", at(19, 10), path="/i3", **i),
    ]
    return rows


def cap() -> list[dict]:
    """Project `cap`: clicks every 25 minutes for 24 h 10 min: the 24-hour cap splits it."""
    start = at(9, day=22)
    e = {"visitor_id": "v_e", "session_id": "s_e", "project_id": "cap"}
    rows = [ev("e0", start, **e)]
    for k in range(1, 59):
        rows.append(ev(f"e{k}", start + dt.timedelta(minutes=25 * k), "click", **e))
    return rows
