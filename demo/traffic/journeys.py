"""Simulated visitors walking through the demo shop, as the browser SDK would report them.

A visitor has one device, one IP and one or more sessions; each session enters from a source
(referrer, UTM) and walks home → catalog → product → cart → checkout → purchase with drop-off
at every step, so the default funnel (catalog page, product page, purchase) has a real shape.
Every random choice comes from one seeded `random.Random`: the same seed and `now` give the
same events, event ids included.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import uuid
from dataclasses import dataclass, field
from typing import Any

from beaconlake_sdk.envelope import iso_utc, make_event

from demo.traffic import site, vitals
from demo.traffic.profiles import (
    COUNTRIES,
    SOURCES,
    Country,
    Device,
    Source,
    browser_devices,
    crawlers,
    ip_in,
)
from demo.traffic.site import (
    COUPON,
    DWELL_MEDIAN_S,
    LINKS,
    NEXT,
    RANDOM_ERRORS,
    Product,
    load_products,
)

LIB = {"lib": "beaconlake-demo-traffic", "lib_version": "0.1.0"}
BOUNCE = 0.25  # landings that leave at once, on top of each page's own exit rate


@dataclass
class Visitor:
    """One simulated browser: everything it sends shares this IP and user agent."""

    visitor_id: str
    ip: str
    device: Device
    country: str
    events: list[dict[str, Any]] = field(default_factory=list)
    user_id: str | None = None


class Simulator:
    """Makes visitors; holds the seeded RNG, the clock and the site's pages."""

    def __init__(
        self,
        *,
        seed: int,
        now: dt.datetime,
        days: int,
        site: str = "https://shop.example",
        bot_share: float = 0.04,
    ) -> None:
        if days < 1:
            raise ValueError("days must be at least 1")
        self.rng = random.Random(seed)
        self.now = now.astimezone(dt.UTC)
        self.days = days
        self.site = site.rstrip("/")
        self.bot_share = bot_share
        self._bot_due = 0.5  # bots owed so far: a crawler whenever it reaches 1
        self.products = load_products()
        self.devices, self.device_weights = browser_devices()

    # -- ids and time -------------------------------------------------------------------------

    def _id(self, prefix: str) -> str:
        return f"{prefix}{self.rng.getrandbits(64):016x}"

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _session_start(self, country: Country) -> dt.datetime:
        """A start in the last `days` days, busier by day (local time), on weekdays, and lately."""
        rng = self.rng
        latest = self.now - dt.timedelta(hours=3)
        for _ in range(20):
            back = rng.choices(range(self.days), [1.0 - 0.02 * d for d in range(self.days)])[0]
            day = (self.now - dt.timedelta(days=back)).date()
            weekend = day.weekday() >= 5
            if weekend and rng.random() < 0.25:
                continue
            hour = rng.choices(range(24), _HOUR_WEIGHTS)[0]
            local = dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC)
            t = local - dt.timedelta(hours=country.utc_offset, seconds=-rng.randrange(3600))
            if self.now - dt.timedelta(days=self.days) <= t <= latest:
                return t
        return latest - dt.timedelta(seconds=rng.randrange(3600 * 24 * self.days - 3600 * 3))

    # -- visitors -----------------------------------------------------------------------------

    def visitor(self) -> Visitor:
        # Exactly `bot_share` of the visitors, not a coin toss each: a small run (60 visitors,
        # 4%: 2) always has its crawlers, so the dashboard's bot filtering has something to show.
        self._bot_due += self.bot_share
        if self._bot_due >= 1:
            self._bot_due -= 1
            return self._crawler()
        rng = self.rng
        device = rng.choices(self.devices, self.device_weights)[0]
        country = rng.choices(COUNTRIES, [c.weight for c in COUNTRIES])[0]
        v6 = [p for p in country.prefixes if ":" in p]
        v4 = [p for p in country.prefixes if ":" not in p]
        prefix = rng.choice(v6 if v6 and rng.random() < 0.15 else v4)
        v = Visitor(self._id("v_"), ip_in(prefix, rng), device, country.code)
        n_sessions = rng.choices([1, 2, 3, 4, 5], [68, 18, 8, 4, 2])[0]
        t = self._session_start(country)
        for k in range(n_sessions):
            if k and rng.random() < 0.5:
                source = SOURCES[0]  # returning visitors often type the address
            else:
                source = rng.choices(SOURCES, [s.weight for s in SOURCES])[0]
            t = self._session(v, country, source, t)
            t += dt.timedelta(days=rng.expovariate(1 / 2.5))
            if t > self.now - dt.timedelta(hours=3):
                break
        return v

    def _crawler(self) -> Visitor:
        rng = self.rng
        device, prefix = rng.choice(crawlers())
        v = Visitor(self._id("v_"), ip_in(prefix, rng), device, "US")
        for _ in range(rng.randint(1, 3)):
            t = self._session_start(COUNTRIES[0])
            session_id = self._id("s_")
            pages = ["home", "catalog"] + [f"product:{p.sku}" for p in self.products]
            for page in rng.sample(pages, rng.randint(2, len(pages))):
                kind, _, sku = page.partition(":")
                product = next((p for p in self.products if p.sku == sku), None)
                path, title = self._page(kind, product)
                self._emit(v, "page_view", t, session_id, url=self.site + path, title=title)
                t += dt.timedelta(seconds=rng.uniform(0.5, 4))
        return v

    # -- one session --------------------------------------------------------------------------

    def _session(self, v: Visitor, country: Country, source: Source, t: dt.datetime) -> dt.datetime:
        rng = self.rng
        sid = self._id("s_")
        ctx = {
            **LIB,
            "screen_w": v.device.screen[0],
            "screen_h": v.device.screen[1],
            "viewport_w": v.device.viewport[0],
            "viewport_h": v.device.viewport[1],
            "lang": country.lang,
            "tz": country.tz,
        }
        kind: str | None = rng.choice(source.landing)
        product = rng.choice(self.products)
        referrer = source.referrer
        query = dict(source.utm or {})
        order_total = 0.0
        for n in range(14):
            if kind is None:
                break
            if kind == "product" and n:
                product = rng.choice(self.products)
            path, title = self._page(kind, product, query)
            url = self.site + path
            view = self._emit(v, "page_view", t, sid, ctx, url=url, referrer=referrer, title=title)
            nxt = _pick(rng, NEXT[kind])
            if n == 13 or (n == 0 and rng.random() < BOUNCE):
                nxt = None
            if n == 0 and nxt is None and rng.random() < 0.7:
                dwell = rng.lognormvariate(_ln(4), 0.6)  # a glance, then back: a bounce
            else:
                dwell = min(600.0, rng.lognormvariate(_ln(DWELL_MEDIAN_S[kind]), 0.8))
            at = t + dt.timedelta(seconds=dwell * rng.uniform(0.3, 0.9))
            interacted = nxt is not None or rng.random() < 0.3
            if kind == "cart":
                self._cart_trouble(v, sid, ctx, url, at)
            if kind == "product" and nxt == "cart":
                self._click(v, sid, ctx, url, at, "button", "Add to cart", None, "button#add")
                props = {"sku": product.sku, "price": product.price, "currency": "EUR"}
                self._emit(v, "add_to_cart", at, sid, ctx, url=url, properties=props)
                order_total += product.price
            if kind == "payment" and nxt == "thanks":
                self._checkout(v, sid, ctx, url, at, order_total or product.price, product)
            elif nxt is not None:
                target, _ = self._page(nxt, product)
                tag, text, selector = LINKS.get(nxt, ("a", nxt.title(), "nav a"))
                if nxt == "product":
                    text = product.name
                self._click(
                    v, sid, ctx, url, at, tag, text, None if tag == "button" else target, selector
                )
                if nxt == "payment":
                    self._form(v, sid, ctx, url, at, "shipping")
            if rng.random() < 0.015:
                err = {"message": rng.choice(RANDOM_ERRORS), "source": f"{self.site}/shop.js"}
                self._emit(v, "error", at, sid, ctx, url=url, properties=err)
            leave = t + dt.timedelta(seconds=dwell)
            if kind not in ("filter", "payment"):  # web vitals come with hard page loads
                full = v.device.full_vitals
                for m in vitals.page_vitals(v.device.kind, kind, full, interacted, rng):
                    self._emit(v, "web_vital", leave, sid, ctx, url=url, properties=m)
            duration = {
                "duration_ms": round(dwell * 1000 * rng.uniform(0.85, 1.0)),
                "page_view_id": view["event_id"],
            }
            self._emit(v, "page_leave", leave, sid, ctx, url=url, properties=duration)
            t = leave + dt.timedelta(seconds=rng.uniform(0.15, 1.2))
            referrer, kind, query = url, nxt, {}
        return t

    def _cart_trouble(self, v: Visitor, sid: str, ctx: dict, url: str, at: dt.datetime) -> None:
        """The broken coupon button (rage clicks and a TypeError) and the failing stock check."""
        rng = self.rng
        if rng.random() < 0.12:
            clicks = rng.randint(3, 7)
            for i in range(clicks):
                t = at + dt.timedelta(milliseconds=i * rng.randint(120, 260))
                self._click(v, sid, ctx, url, t, "button", "Apply coupon", None, COUPON)
            err = {
                "message": "TypeError: Cannot read properties of undefined (reading 'discount')",
                "source": f"{self.site}/shop.js",
                "stack": f"TypeError: Cannot read properties of undefined (reading 'discount')\n"
                f"    at HTMLButtonElement.<anonymous> ({self.site}/shop.js:131:50)",
            }
            self._emit(v, "error", at, sid, ctx, url=url, properties=err)
            rage = {
                "x": rng.randint(400, 440),
                "y": rng.randint(270, 290),
                "tag": "button",
                "text": "Apply coupon",
                "href": None,
                "selector": COUPON,
                "clicks": clicks,
            }
            end = at + dt.timedelta(milliseconds=clicks * 200)
            self._emit(v, "rage_click", end, sid, ctx, url=url, properties=rage)
        if rng.random() < 0.08:
            self._click(v, sid, ctx, url, at, "button", "Check stock", None, "button#stock")
            failed = {
                "method": "GET",
                "url": f"{self.site}/api/stock",
                "status": 404,
                "duration_ms": rng.randint(40, 400),
            }
            self._emit(v, "network_error", at, sid, ctx, url=url, properties=failed)

    def _checkout(
        self, v: Visitor, sid: str, ctx: dict, url: str, at: dt.datetime, total: float, p: Product
    ) -> None:
        """Pay: identify the buyer, then the purchase (as the demo shop's checkout does)."""
        self._click(v, sid, ctx, url, at, "button", "Pay now", None, "form#payment > button")
        self._form(v, sid, ctx, url, at, "payment")
        if v.user_id is None:
            v.user_id = self._id("u_")
            traits = {"email": f"{v.user_id}@example.com", "country": ctx["lang"][-2:]}
            self._emit(v, "identify", at, sid, ctx, url=url, properties=traits)
        order = {
            "order_id": self._id("o_"),
            "revenue": round(total, 2),
            "currency": "EUR",
            "items": [{"sku": p.sku, "qty": 1}],
        }
        self._emit(
            v, "purchase", at + dt.timedelta(milliseconds=5), sid, ctx, url=url, properties=order
        )

    # -- building blocks ----------------------------------------------------------------------

    def _page(
        self, kind: str, product: Product | None, query: dict[str, str] | None = None
    ) -> tuple[str, str]:
        category = None
        if kind == "filter":
            category = self.rng.choice(sorted({p.category for p in self.products}))
        return site.page(kind, product, query, category)

    def _click(
        self,
        v: Visitor,
        sid: str,
        ctx: dict,
        url: str,
        at: dt.datetime,
        tag: str,
        text: str,
        href: str | None,
        selector: str,
    ) -> None:
        props = {"tag": tag, "text": text, "href": href, "selector": selector}
        self._emit(v, "click", at, sid, ctx, url=url, properties=props)

    def _form(self, v: Visitor, sid: str, ctx: dict, url: str, at: dt.datetime, form: str) -> None:
        props = {"form_id": form, "form_name": None, "action": None, "method": "get"}
        self._emit(v, "form_submit", at, sid, ctx, url=url, properties=props)

    def _emit(
        self,
        v: Visitor,
        event: str,
        at: dt.datetime,
        session_id: str,
        ctx: dict | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        ev = make_event(
            event,
            visitor_id=v.visitor_id,
            user_id=v.user_id,  # once identified, the SDK sends the user id with every event
            session_id=session_id,
            timestamp=iso_utc(at),
            event_id=self._uuid(),
            context=ctx or {**LIB},
            **fields,
        )
        v.events.append(ev)
        return ev


_HOUR_WEIGHTS = [1, 0.6, 0.4, 0.3, 0.3, 0.5, 1, 2, 3, 4, 5, 5, 5, 5, 5, 5, 5, 5, 6, 7, 7, 6, 4, 2]


def _ln(x: float) -> float:
    return math.log(x)


def _pick(rng: random.Random, options: list[tuple[str | None, float]]) -> str | None:
    return rng.choices([o for o, _ in options], [w for _, w in options])[0]
