"""The events explorer's person filter and column follow silver's rule before the squash too."""

from __future__ import annotations

import datetime as dt
import json

import streamlit as st

from lake import io
from lake.registry import EVENTS
from streamlit_app import queries

DAY = dt.date(2026, 11, 10)


def _ev(eid: str, minute: int, vis: str, person: str, user: str | None, name: str = "page_view",
        project: str = "shop") -> dict:  # fmt: skip
    t = dt.datetime(2026, 11, 10, 9, minute, tzinfo=dt.UTC)
    return {
        "event_id": eid, "project_id": project, "event": name, "event_time": t,
        "event_time_source": "client", "received_at": t, "visitor_id": vis, "session_id": "s",
        "person_id": person, "user_id": user, "path": "/", "properties": json.dumps({}),
        "channel": "direct", "device_type": "desktop",
        "is_bot": False, "bronze_version": 0, "event_date": DAY,
    }  # fmt: skip


def _lake(root: str) -> str:
    """Silver as an append-only micro-batch leaves it before the daily squash: anonymous rows
    enriched before their visitor's identify still carry the visitor_id as person_id."""
    rows = [
        _ev("a1", 1, "va", "va", None),  # alice's visitor, before the login
        _ev("a2", 2, "va", "alice", "alice", "identify"),
        _ev("a3", 3, "va", "alice", None),  # enriched after it: already resolved
        _ev("b1", 4, "vb", "vb", None),  # vb logs in as bob first, then as alice
        _ev("b2", 5, "vb", "bob", "bob", "identify"),
        _ev("b3", 6, "vb", "alice", "alice", "identify"),
        _ev("c1", 7, "vc", "vc", None),  # never identified
        _ev("d1", 8, "vd", "vd", None, project="other"),  # va's login counts in every project
        _ev("d2", 9, "vd", "alice", "alice", "identify", project="other"),
    ]
    io.overwrite(EVENTS, io.conform(EVENTS, rows), root=root)
    st.cache_data.clear()
    return root


def _page(root: str, person: str | None) -> dict[str, str]:
    df = queries.events_page(root, "shop", DAY, DAY, None, person, None, None, None, 50)
    return dict(zip(df["event_id"], df["person_id"], strict=True))


def test_person_filter_finds_the_anonymous_events_before_the_login(lake_root: str) -> None:
    root = _lake(lake_root)
    # a1 belongs to alice (va's first user); b1 to bob (vb's first user), not to alice
    assert _page(root, "alice") == {"a1": "alice", "a2": "alice", "a3": "alice", "b3": "alice"}
    assert _page(root, "bob") == {"b1": "bob", "b2": "bob"}
    assert _page(root, "vc") == {"c1": "vc"}
    assert _page(root, "va") == {"a1": "alice", "a2": "alice", "a3": "alice"}  # the visitor


def test_every_row_shows_the_person_it_belongs_to(lake_root: str) -> None:
    root = _lake(lake_root)
    assert _page(root, None) == {
        "a1": "alice", "a2": "alice", "a3": "alice", "b1": "bob", "b2": "bob", "b3": "alice",
        "c1": "vc",
    }  # fmt: skip
    args = (root, "shop", DAY, DAY, None, "alice", None, None)
    assert set(queries.events_export(*args)["person_id"]) == {"alice"}
