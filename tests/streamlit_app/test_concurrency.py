"""The Overview keeps answering while gold is rewritten again and again (as `pipeline run` does)."""

from __future__ import annotations

import threading

import streamlit as st

from lake import io
from lake.registry import PAGE_VIEWS, SESSIONS
from streamlit_app import db
from tests.streamlit_app import fixture_lake
from tests.streamlit_app.helpers import WEEK, metrics, no_errors


def test_overview_while_gold_is_overwritten(lake, app, monkeypatch):
    monkeypatch.setattr(db, "SNAPSHOT_TTL_S", 0.0)  # every query opens the newest version
    sessions = fixture_lake.sessions_table()
    page_views = io.read_arrow(PAGE_VIEWS, root=lake)
    stop = threading.Event()
    commits = []
    errors: list[BaseException] = []

    def rewrite() -> None:
        try:
            while not stop.is_set():
                io.overwrite(SESSIONS, sessions, root=lake)
                io.overwrite(PAGE_VIEWS, page_views, root=lake)
                commits.append(1)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    writer = threading.Thread(target=rewrite, daemon=True)
    writer.start()
    try:
        for _ in range(5):
            st.cache_data.clear()
            at = app(**WEEK)
            no_errors(at)
            assert metrics(at)["Sessions"] == "4"
            assert metrics(at)["Pageviews"] == "7"
    finally:
        stop.set()
        writer.join(timeout=30)
    assert not errors
    assert len(commits) >= 2  # the rewrites really overlapped the runs
