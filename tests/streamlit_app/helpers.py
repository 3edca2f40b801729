"""Reading what a user sees out of an AppTest run."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.streamlit_app.fixture_lake import PERIOD

WEEK = {"project": "shop", "from": PERIOD[0], "to": PERIOD[1]}


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def deltas(at: AppTest) -> dict[str, str]:
    return {m.label: m.delta for m in at.metric}


def no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def html_rendered(at: AppTest) -> list[str]:
    """Bodies of markdown/caption elements allowed to render HTML (must stay empty)."""
    return [m.value for m in at.get("markdown") + at.get("caption") if m.proto.allow_html]


def texts(at: AppTest) -> list[str]:
    return [t.value for t in at.get("text")]


def frame_values(at: AppTest) -> list[str]:
    """Every cell of every dataframe on the page, as text."""
    out = []
    for df in at.dataframe:
        for col in df.value.columns:
            out.extend(str(v) for v in df.value[col].tolist())
    return out
