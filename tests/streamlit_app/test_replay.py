"""The session player page: markers from the timeline, safe inlining, the page needs no network."""

from __future__ import annotations

import json

import pandas as pd

from streamlit_app import replay

T0 = 1_795_000_000_000


def _timeline() -> pd.DataFrame:
    at = lambda ms: pd.Timestamp(ms, unit="ms", tz="UTC")  # noqa: E731
    return pd.DataFrame(
        {
            "event_time": [at(T0 + 1000), at(T0 + 2000), at(T0 + 3000), at(T0 + 99_000)],
            "event": ["click", "rage_click", "error", "error"],
            "path": ["/a", "/a", "/a", "/b"],
            "properties": ["{}", "{}", '{"message":"x"}', "{}"],
        }
    )


def test_rage_clicks_and_errors_become_tagged_custom_events_inside_the_recording() -> None:
    marks = replay.markers(_timeline())
    assert [(m["type"], m["data"]["tag"], m["timestamp"]) for m in marks] == [
        (5, "rage_click", T0 + 2000),
        (5, "error", T0 + 3000),
        (5, "error", T0 + 99_000),
    ]
    rec = [
        {"type": 4, "timestamp": T0},
        {"type": 2, "timestamp": T0 + 1},
        {"type": 3, "timestamp": T0 + 5000},
    ]
    played = replay.with_markers(rec, marks)
    assert [e["timestamp"] for e in played] == [T0, T0 + 1, T0 + 2000, T0 + 3000, T0 + 5000]
    assert replay.with_markers([], marks) == []
    assert set(replay.MARKED) == {"rage_click", "error"}


def test_player_page_inlines_the_player_and_escapes_recorded_markup() -> None:
    assert replay.available()
    evil = [{"type": 3, "timestamp": T0, "data": {"text": "</script><script>alert(1)</script>"}}]
    html = replay.player_html(evil)
    assert "</script><script>alert(1)" not in html
    assert json.loads(html.split("var o = ")[1].split(";\n")[0])["events"] == evil
    assert "rrwebPlayer" in html and "http://" not in html.split("<script>")[0]
    assert "<script src=" not in html and "<link" not in html  # nothing fetched: no CDN


def test_events_before_the_first_meta_are_left_out() -> None:
    tail_of_old = [{"type": 3, "timestamp": T0 - 5}]
    rec = [{"type": 4, "timestamp": T0}, {"type": 2, "timestamp": T0 + 1}]
    assert replay.with_markers(tail_of_old + rec, []) == rec
    assert replay.with_markers(tail_of_old, []) == []
