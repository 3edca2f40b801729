"""URL, UTM, referrer and channel: the rules unit by unit and through a real enrichment run."""

from __future__ import annotations

import pytest

from orchestration.enrich import enrich
from orchestration.enrich.channel import classify
from tests.orchestration.bronze import land, row, silver


@pytest.mark.parametrize(
    ("host", "ref", "src", "med", "paid", "want"),
    [
        ("shop.example", "", "", "", False, "direct"),
        ("shop.example", "shop.example", "", "", False, "direct"),
        ("shop.example", "google.com", "", "", False, "organic_search"),
        ("shop.example", "google.co.uk", "", "", False, "organic_search"),
        ("shop.example", "duckduckgo.com", "", "", False, "organic_search"),
        ("shop.example", "google.com", "google", "cpc", False, "paid_search"),
        ("shop.example", "", "bing", "ppc", False, "paid_search"),
        ("shop.example", "", "", "", True, "paid_search"),
        ("shop.example", "", "partner", "paid", False, "paid_other"),
        ("shop.example", "facebook.com", "facebook", "cpm", False, "paid_other"),
        ("shop.example", "", "newsletter", "", False, "email"),
        ("shop.example", "", "acme", "Email", False, "email"),
        ("shop.example", "mail.google.com", "", "", False, "email"),
        ("shop.example", "t.co", "", "", False, "social"),
        ("shop.example", "m.facebook.com", "", "", False, "social"),
        ("shop.example", "news.ycombinator.com", "", "", False, "social"),
        ("shop.example", "", "twitter", "", False, "social"),
        ("shop.example", "blog.example.org", "", "", False, "referral"),
        ("shop.example", "x.example.com", "", "", False, "referral"),
        ("shop.example", "", "partner", "affiliate", False, "referral"),
    ],
)
def test_channel_rules(host: str, ref: str, src: str, med: str, paid: bool, want: str) -> None:
    assert classify(host, ref, src, med, paid) == want


def test_url_utm_and_referrer_are_parsed(lake_root: str) -> None:
    land(
        row(
            "e1",
            url="https://user@Shop.Example:8443/p/42?utm_source=news+letter&utm_medium=email"
            "&utm_campaign=black%20friday&utm_term=shoes&utm_content=top&x=1#frag",
            referrer="https://www.Google.com/search?q=shoes",
        ),
        row("e2", url="https://shop.example", referrer=""),
        row("e3", url="https://shop.example/cart?gclid=abc", referrer="https://www.google.com/"),
        row("e4", url="https://shop.example/p/2", referrer="https://shop.example/p/1"),
        row("e5", url="https://shop.example/", referrer="https://blog.example.org/post"),
    )
    enrich()
    got = silver()
    e1 = got["e1"]
    assert (e1["host"], e1["path"], e1["query"]) == (
        "shop.example",
        "/p/42",
        "utm_source=news+letter&utm_medium=email&utm_campaign=black%20friday"
        "&utm_term=shoes&utm_content=top&x=1",
    )
    assert [e1[f"utm_{k}"] for k in ("source", "medium", "campaign", "term", "content")] == [
        "news letter",
        "email",
        "black friday",
        "shoes",
        "top",
    ]
    assert (e1["referrer_host"], e1["channel"]) == ("google.com", "email")
    assert (got["e2"]["path"], got["e2"]["query"], got["e2"]["referrer_host"]) == ("/", None, None)
    assert got["e2"]["channel"] == "direct"
    assert got["e3"]["channel"] == "paid_search"
    assert (got["e4"]["referrer_host"], got["e4"]["channel"]) == ("shop.example", "direct")
    assert (got["e5"]["referrer_host"], got["e5"]["channel"]) == ("blog.example.org", "referral")
