"""The ad-hoc funnel builder and gold's funnel_steps (the real dbt build) give the same figures
on the same silver and the same funnel file: persons per step and median times, with events at
equal times, several attempts per person and events matching several steps.

Project `hand` has four persons counted by hand (below); project `rnd` is random, with times on
a coarse grid so that a person's events often share a microsecond.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import streamlit as st

from beaconlake.settings import get_settings
from lake import io
from lake.registry import EVENTS, FUNNEL_STEPS
from orchestration.dbt_build import run_dbt_build
from orchestration.publish import publish_gold
from streamlit_app import funnel_defs, queries
from tests.dbt_project.silver_fixture import _ev

FUNNELS = """funnels:
  - name: checkout
    window: 1h
    steps:
      - {event: page_view, path: /catalog}
      - {event: page_view, path: "/product/*"}
      - {event: purchase}
  - name: pages
    window: 1d
    steps:
      - {event: page_view}
      - {event: page_view, path: "/product/*"}
      - {event: page_view}
      - {event: purchase}
"""
DAY0 = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)


def at(h: int, m: int = 0, s: int = 0, us: int = 0, day: int = 0) -> dt.datetime:
    return DAY0 + dt.timedelta(days=day, hours=h, minutes=m, seconds=s, microseconds=us)


def _hand() -> list[dict[str, Any]]:
    """checkout (1 h): h1 views a product in the same microsecond as the catalog (its event_id
    sorts first), buys 5 min later: 3 steps, 0 s and 300 s. h2 opens the catalog twice: 3 steps
    from the later one, 600 s and 600 s. h3 converts twice: the first, 60 s and 120 s. h4 buys
    1 µs past the hour: 2 steps, 1800 s. So 4 / 4 / 3 persons, medians 330 s and 300 s."""
    rows = [
        ("h1", "b", "page_view", "/catalog", at(10)),
        ("h1", "a", "page_view", "/product/1", at(10)),
        ("h1", "c", "purchase", "/checkout", at(10, 5)),
        ("h2", "a", "page_view", "/catalog", at(9)),
        ("h2", "b", "page_view", "/catalog", at(9, 30)),
        ("h2", "c", "page_view", "/product/2", at(9, 40)),
        ("h2", "d", "purchase", "/checkout", at(9, 50)),
        ("h3", "a", "page_view", "/catalog", at(8)),
        ("h3", "b", "page_view", "/product/3", at(8, 1)),
        ("h3", "c", "purchase", "/checkout", at(8, 3)),
        ("h3", "d", "page_view", "/catalog", at(12, day=1)),
        ("h3", "e", "page_view", "/product/3", at(12, 10, day=1)),
        ("h3", "f", "purchase", "/checkout", at(12, 11, day=1)),
        ("h4", "a", "page_view", "/catalog", at(10)),
        ("h4", "b", "page_view", "/product/4", at(10, 30)),
        ("h4", "c", "purchase", "/checkout", at(11, us=1)),
    ]
    return [_row("hand", p, f"{p}-{i}", name, path, t) for p, i, name, path, t in rows]


def _random(seed: int = 5) -> list[dict[str, Any]]:
    """3,000 events of 80 persons over 4 days on a 5-minute grid; one in three takes the time of
    the person's previous event (a tie in the same microsecond)."""
    r = random.Random(seed)
    paths = ["/catalog", "/product/1", "/product/a/b", "/", "/checkout", None]
    rows, last = [], {}
    for n in range(3000):
        person = f"r{r.randrange(80)}"
        tie = person in last and r.random() < 1 / 3
        t = last[person] if tie else at(0, m=5 * r.randrange(0, 4 * 24 * 12))
        last[person] = t
        name = r.choice(["page_view"] * 5 + ["purchase", "click"])
        rows.append(_row("rnd", person, f"e{r.randrange(10**9):09d}-{n}", name, r.choice(paths), t))
    return rows


def _identified() -> list[dict[str, Any]]:
    """Silver as a micro-batch leaves it before the daily person squash (docs/silver.md): the
    identify rows carry the user, the visitors' earlier anonymous rows still their visitor_id.
    Gold resolves them to the user, so must the builder. checkout: d1 (laptop) views the
    catalog, d2 (phone) the product and buys, both identify as u1 afterwards: one person, 3
    steps. d3 views the catalog, identifies as u3, d4 views a product and buys without an
    identify: two persons, 1 step each. A bot's identify as u3 identifies nobody."""
    rows = [
        ("d1", "a", "page_view", "/catalog", at(10), None, False),
        ("d2", "b", "page_view", "/product/9", at(10, 10), None, False),
        ("d2", "c", "purchase", "/checkout", at(10, 20), None, False),
        ("d1", "d", "identify", "/account", at(11), "u1", False),
        ("d2", "e", "identify", "/account", at(12), "u1", False),
        ("d3", "f", "page_view", "/catalog", at(9), None, False),
        ("d3", "g", "identify", "/account", at(9, 1), "u3", False),
        ("d4", "h", "page_view", "/product/9", at(9, 10), None, False),
        ("d4", "i", "purchase", "/checkout", at(9, 20), None, False),
        ("d4", "j", "identify", "/account", at(8), "u3", True),
    ]
    out = []
    for v, i, name, path, t, user, bot in rows:
        ev = _ev(f"{v}-{i}", name, t, v, f"s-{v}", path, user=user, person=user, bot=bot)
        out.append(ev | {"project_id": "ident"})
    return out


def _row(project: str, person: str, eid: str, name: str, path: str | None, t: dt.datetime):
    row = _ev(eid, name, t, person, f"s-{person}", path)  # person = visitor, no identify
    return row | {"project_id": project}


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """Silver from _hand and _random, dbt built and gold published; (lake root, funnel file)."""
    tmp = tmp_path_factory.mktemp("funnel_gold")
    funnels = tmp / "funnels.yml"
    funnels.write_text(FUNNELS)
    mp = pytest.MonkeyPatch()
    mp.setenv("BEACONLAKE_LAKE_URI", str(tmp / "lake"))
    mp.setenv("BEACONLAKE_DUCKDB_PATH", str(tmp / "build" / "beaconlake.duckdb"))
    mp.setenv("BEACONLAKE_FUNNELS", str(funnels))
    get_settings.cache_clear()
    io.append(EVENTS, _hand() + _random() + _identified())
    run_dbt_build(tests=False)
    publish_gold()
    st.cache_data.clear()
    yield str(tmp / "lake"), funnels
    mp.undo()
    get_settings.cache_clear()


def figures(lake: tuple[str, Path], project: str) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """funnel → (gold's steps, the builder's steps): step, persons, median seconds."""
    root, path = lake
    cols = ["step", "persons", "median_time_from_previous_s"]
    gold = io.read_arrow(FUNNEL_STEPS, root=root).to_pandas()
    out = {}
    for f in funnel_defs.load(path):
        g = gold[(gold["project_id"] == project) & (gold["funnel"] == f.name)]
        g = g.sort_values("step")[cols].reset_index(drop=True)
        b = queries.funnel_adhoc(root, project, f.steps, f.window_s, dt.date(2026, 11, 1),
                                 dt.date(2026, 11, 30))[cols]  # fmt: skip
        out[f.name] = (g.astype({"persons": int}), b.astype({"persons": int}))
    return out


def test_hand_counted_figures_in_both(lake: tuple[str, Path]) -> None:
    for df in figures(lake, "hand")["checkout"]:  # gold, then the builder
        assert df["persons"].tolist() == [4, 4, 3]
        medians = df["median_time_from_previous_s"].tolist()
        assert pd.isna(medians[0]) and medians[1:] == [330.0, 300.0]


def test_identified_visitors_count_as_their_user_in_both(lake: tuple[str, Path]) -> None:
    for which, df in zip(("gold", "builder"), figures(lake, "ident")["checkout"], strict=True):
        assert df["persons"].tolist() == [2, 1, 1], which


@pytest.mark.parametrize("project", ["hand", "rnd", "ident"])
def test_builder_equals_gold(lake: tuple[str, Path], project: str) -> None:
    for name, (gold, builder) in figures(lake, project).items():
        assert gold["persons"].iloc[0] > 0, name
        pd.testing.assert_frame_equal(builder, gold, check_dtype=False, rtol=1e-12, obj=name)


def test_the_random_data_has_ties_and_repeated_attempts() -> None:
    """Guards the data, not the code: the equality above is only worth something if persons
    have steps in the same microsecond and several step-1 events."""
    df = pd.DataFrame(_random())
    pv = df[df["event"] == "page_view"]
    same_time = pv.groupby(["person_id", "event_time"]).size()
    assert (same_time > 1).sum() > 50
    catalog = pv[pv["path"] == "/catalog"].groupby("person_id").size()
    assert (catalog > 2).sum() > 40
