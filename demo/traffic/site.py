"""The demo shop as the generator knows it: products (read from the shop's own products.json),
pages, how visitors move between them, and what they click on the way.

Paths are the site's clean paths (/catalog, /product/<sku>), the ones the default funnel in
dbt_project/funnels.yml names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

PRODUCTS_JSON = Path(__file__).resolve().parents[1] / "shop" / "products.json"
BRAND = "Harbor & Hearth"
# next page kind → weight, per page kind (None: the visitor leaves)
NEXT: dict[str, list[tuple[str | None, float]]] = {
    "home": [("catalog", 50), ("product", 18), (None, 32)],
    "catalog": [("product", 60), ("filter", 15), (None, 25)],
    "filter": [("product", 55), ("filter", 10), (None, 35)],
    "product": [("cart", 33), ("product", 17), ("catalog", 12), (None, 38)],
    "cart": [("checkout", 62), ("catalog", 8), (None, 30)],
    "checkout": [("payment", 78), (None, 22)],
    "payment": [("thanks", 82), (None, 18)],
    "thanks": [("home", 10), (None, 90)],
}
DWELL_MEDIAN_S = {"home": 14, "catalog": 22, "filter": 15, "product": 38, "cart": 20}
DWELL_MEDIAN_S |= {"checkout": 45, "payment": 35, "thanks": 12}
COUPON = "button#coupon"  # the demo shop's deliberately broken button
# How the visitor gets to the next page: (tag, text, selector) of what they click.
LINKS = {
    "catalog": ("a", "Catalog", "nav a"),
    "filter": ("a", "Lighting", "nav.filters a"),
    "product": ("a", "", "a.card"),
    "cart": ("a", "View cart", "#added a"),
    "checkout": ("a", "Checkout", "main a.button"),
    "payment": ("button", "Continue to payment", "form#shipping > button"),
    "home": ("a", "Back to the shop", "main a.button"),
}
RANDOM_ERRORS = [
    "ResizeObserver loop completed with undelivered notifications.",
    "TypeError: Cannot read properties of null (reading 'addEventListener')",
    "Script error.",
]


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    category: str
    price: float


def load_products(path: Path = PRODUCTS_JSON) -> list[Product]:
    """The shop's own product list, so generated pages match the real demo pages."""
    rows = json.loads(path.read_text())
    return [Product(r["sku"], r["name"], r["category"], float(r["price"])) for r in rows]


def page(
    kind: str,
    product: Product | None,
    query: dict[str, str] | None = None,
    category: str | None = None,
) -> tuple[str, str]:
    """(path with query, title) of a page kind; `category` is the catalog filter."""
    q: dict[str, str] = {}
    if kind == "home":
        path, title = "/", BRAND
    elif kind in ("catalog", "filter"):
        path, title = "/catalog", f"Catalog · {BRAND}"
        if kind == "filter" and category:
            q["category"] = category
    elif kind == "product" and product is not None:
        path, title = f"/product/{product.sku}", f"{product.name} · {BRAND}"
    elif kind == "payment":
        path, title, q = "/checkout", f"Checkout · {BRAND}", {"step": "payment"}
    elif kind == "thanks":
        path, title = "/thanks", f"Thank you · {BRAND}"
    else:
        path, title = f"/{kind}", f"{kind.title()} · {BRAND}"
    q.update(query or {})
    return (f"{path}?{urlencode(q)}" if q else path), title
