"""Overview: KPI cards equal the fixture's hand-counted figures; filters change them."""

from __future__ import annotations

from pathlib import Path

from tests.streamlit_app.fixture_lake import XSS
from tests.streamlit_app.helpers import (
    WEEK,
    deltas,
    frame_values,
    html_rendered,
    metrics,
    no_errors,
    texts,
)

CARDS = ("Visitors", "Sessions", "Pageviews", "Views / session", "Bounce rate",
         "Avg. session duration")  # fmt: skip


def test_kpis_equal_fixture_figures_with_deltas(lake, app):
    at = app(**WEEK)
    no_errors(at)
    assert metrics(at) == {
        "Visitors": "3",
        "Sessions": "4",
        "Pageviews": "7",
        "Views / session": "1.75",
        "Bounce rate": "50.0%",
        "Avg. session duration": "1m 41s",  # 101.25 s
    }
    # previous week: 2 visitors, 2 sessions, 3 page views, 0 % bounce, 40 s
    assert deltas(at) == {
        "Visitors": "+50.0%",
        "Sessions": "+100.0%",
        "Pageviews": "+133.3%",
        "Views / session": "+16.7%",
        "Bounce rate": "+50.0 pp",
        "Avg. session duration": "+153.1%",
    }


def test_breakdowns_list_the_fixture_values(lake, app):
    at = app(**WEEK)
    cells = frame_values(at)
    for value in ("/", "/product/1", "/checkout", "organic_search", "email", "social",
                  "direct", "Chrome", "Safari", "Firefox", "DE", "FR", "US"):  # fmt: skip
        assert value in cells, value
    assert "JP" not in cells  # the other project's country
    channels = at.dataframe[1].value.set_index("value")["visitors"].to_dict()
    assert channels == {"direct": 1, "email": 1, "organic_search": 1, "social": 1}
    pages = at.dataframe[0].value.set_index("value")["pageviews"].to_dict()
    assert pages == {"/": 3, "/product/1": 2, "/checkout": 1, f"/blog/{XSS}": 1}
    switches = {
        ("card_sources", "Referrer"): "www.google.com",
        ("card_sources", "UTM campaign"): "black-friday",
        ("card_devices", "OS"): "Android",
        ("card_devices", "Device"): "mobile",
        ("card_pages", "Exit page"): "/checkout",
    }
    for (key, label), value in switches.items():
        at.segmented_control(key=key).set_value(label).run()
        no_errors(at)
        assert value in frame_values(at), (label, value)
    devices = at.dataframe[2].value.set_index("value")
    assert devices["sessions"].to_dict() == {"desktop": 2, "mobile": 2}
    assert devices["visitors"].to_dict() == {"desktop": 2, "mobile": 2}  # v1+v2, v1+v3


def test_dimension_filter_changes_every_kpi(lake, app):
    at = app(country="DE", **WEEK)
    no_errors(at)
    assert metrics(at) == {
        "Visitors": "1",
        "Sessions": "2",
        "Pageviews": "5",
        "Views / session": "2.50",
        "Bounce rate": "0.0%",
        "Avg. session duration": "3m 20s",
    }
    assert "Country = DE" in texts(at)
    assert deltas(at)["Pageviews"] == "+150.0%"  # previous week: s0 (DE) had 2 page views
    at = app(device="mobile", **WEEK)
    assert metrics(at)["Sessions"] == "2"
    assert metrics(at)["Pageviews"] == "3"
    assert metrics(at)["Bounce rate"] == "50.0%"


def test_removing_a_filter_restores_the_figures(lake, app):
    at = app(country="DE", **WEEK)
    at.button(key="rm_country").click().run()
    no_errors(at)
    assert "country" not in at.query_params
    assert metrics(at)["Sessions"] == "4"


def test_other_project_is_separate(lake, app):
    at = app(project="other", **{k: v for k, v in WEEK.items() if k != "project"})
    assert metrics(at)["Pageviews"] == "10"
    assert metrics(at)["Sessions"] == "1"


def test_html_in_titles_and_paths_renders_as_text(lake, app):
    at = app(page=f"/blog/{XSS}", **WEEK)
    no_errors(at)
    assert f"Page = /blog/{XSS}" in texts(at)  # st.text: shown literally
    assert f"/blog/{XSS}" in frame_values(at)  # dataframe cell: text
    assert metrics(at)["Pageviews"] == "1"
    assert html_rendered(at) == []


def test_sql_in_a_filter_value_changes_nothing(lake, app, tmp_path: Path):
    target = tmp_path / "x"
    evil = f"'; COPY (select 1) TO '{target}'; --"
    at = app(country=evil, **WEEK)
    no_errors(at)
    assert metrics(at)["Sessions"] == "0"  # just a value no session has
    assert not target.exists()
    at = app(**WEEK)
    assert metrics(at)["Sessions"] == "4"  # lake unchanged


def test_hourly_series_for_one_day(lake, app):
    at = app(project="shop", **{"from": "2026-11-10", "to": "2026-11-10"})
    no_errors(at)
    assert metrics(at)["Pageviews"] == "3"


def test_empty_lake_tells_what_to_do(lake_root, app):
    at = app()
    no_errors(at)
    code = " ".join(c.value for c in at.code)
    assert "make up" in code
    assert "beaconlake demo traffic" in code
    assert "data-key" in code
