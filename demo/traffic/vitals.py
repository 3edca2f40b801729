"""Web-vital samples with field-like distributions: log-normal, mostly good, a tail of poor.

Ratings use the web-vitals library's thresholds (SPEC section 4).
"""

from __future__ import annotations

import math
import random

# metric: (good ≤, needs improvement ≤)
THRESHOLDS = {
    "LCP": (2500.0, 4000.0),
    "INP": (200.0, 500.0),
    "CLS": (0.1, 0.25),
    "FCP": (1800.0, 3000.0),
    "TTFB": (800.0, 1800.0),
}
# Median (ms, or unitless for CLS) on desktop; mobile and tablet are slower.
_MEDIAN = {"LCP": 1500.0, "INP": 90.0, "CLS": 0.03, "FCP": 900.0, "TTFB": 280.0}
_SIGMA = {"LCP": 0.45, "INP": 0.6, "CLS": 0.9, "FCP": 0.4, "TTFB": 0.5}
_DEVICE_FACTOR = {"desktop": 1.0, "tablet": 1.3, "mobile": 1.6}
# The home page's hero image arrives late on purpose: its LCP is the slow one.
_PAGE_LCP_EXTRA_MS = {"home": 1100.0}


def rating(metric: str, value: float) -> str:
    good, ni = THRESHOLDS[metric]
    return "good" if value <= good else "needs-improvement" if value <= ni else "poor"


def sample(metric: str, device: str, page: str, rng: random.Random) -> float:
    median = _MEDIAN[metric] * (_DEVICE_FACTOR.get(device, 1.0) if metric != "CLS" else 1.0)
    value = rng.lognormvariate(math.log(median), _SIGMA[metric])
    if metric == "LCP":
        value += _PAGE_LCP_EXTRA_MS.get(page, 0.0)
    if metric == "CLS":
        # Most pages do not shift at all; the catalog's late grid shifts on mobile.
        if rng.random() < 0.45:
            return 0.0
        if page == "catalog" and device == "mobile":
            value *= 3
        return round(value, 4)
    return round(value, 1)


def page_vitals(
    device: str, page: str, full: bool, interacted: bool, rng: random.Random
) -> list[dict[str, object]]:
    """The final value of each metric the browser reports for one page view."""
    metrics = ["TTFB", "FCP"] + (["LCP", "CLS"] if full else [])
    if full and interacted:
        metrics.append("INP")
    out = []
    for m in metrics:
        v = sample(m, device, page, rng)
        out.append({"name": m, "value": v, "rating": rating(m, v)})
    return out
