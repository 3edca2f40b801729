"""Every page but the Overview, on the fixture lake: the figures a user reads there."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from tests.streamlit_app.fixture_lake import XSS
from tests.streamlit_app.helpers import WEEK, frame_values, html_rendered, metrics, no_errors

# The fixture's November, through today: its two live events are minutes old whenever tests run.
TODAY = dt.datetime.now(dt.UTC).date()
NOV = {"project": "shop", "from": "2026-11-01", "to": TODAY.isoformat()}


def test_live_counts_silver_and_unenriched_bronze(lake, app):
    at = app("live.py", project="shop")
    no_errors(at)
    m = metrics(at)
    # v9 (silver, 2 min ago) and v7 (bronze only, 1 min ago); the 40-min-old event is out,
    # and live-1 is in bronze and silver but counted once.
    assert m["Visitors online now"] == "2"
    assert m["Events, last 30 min"] == "2"
    assert m["Not yet enriched (bronze)"] == "1"
    assert XSS in frame_values(at)
    assert html_rendered(at) == []


def test_events_explorer_filters_and_opens_properties(lake, app):
    at = app("events.py", **NOV)
    no_errors(at)
    assert len(at.dataframe[0].value) == 14  # shop: 10 page views, a purchase, a click, 2 live
    at.selectbox(key="ev_name").set_value("purchase").run()
    assert at.dataframe[0].value["event_id"].tolist() == ["s1-buy"]
    shown = json.loads(at.json[0].value)
    assert shown["properties"] == {"plan": "pro", "total": "=1+2", "note": "@x"}
    at.selectbox(key="ev_name").set_value("(all)").run()
    at.text_input(key="ev_key").input("text").run()
    at.text_input(key="ev_val").input(XSS).run()
    assert at.dataframe[0].value["event_id"].tolist() == ["s3-click"]
    assert html_rendered(at) == []


def test_events_explorer_person_filter_is_a_value(lake, app, tmp_path: Path):
    at = app("events.py", **NOV)
    at.text_input(key="ev_person").input("p2").run()
    assert at.dataframe[0].value["event_id"].tolist() == ["s2-pv0"]
    target = tmp_path / "x"
    at.text_input(key="ev_person").input(f"'; COPY (select 1) TO '{target}'; --").run()
    no_errors(at)
    assert not at.dataframe  # nothing matches
    assert not target.exists()


def test_events_export_neutralises_formulas(lake, app):
    at = app("events.py", **NOV)
    at.selectbox(key="ev_name").set_value("purchase").run()
    at.button[-1].click().run()  # "Prepare export"
    no_errors(at)
    assert len(at.get("download_button")) == 2


def test_funnels_page_says_where_the_funnel_file_is_broken(lake, app, tmp_path, monkeypatch):
    from beaconlake.settings import get_settings

    bad = tmp_path / "funnels.yml"
    bad.write_text("funnels:\n  - name: checkout\n    steps: []\n")
    monkeypatch.setenv("BEACONLAKE_FUNNELS", str(bad))
    get_settings.cache_clear()
    at = app("funnels.py", **NOV)
    get_settings.cache_clear()
    assert not at.exception
    assert [e.value for e in at.error] == [
        f"The funnels file cannot be read: {bad}: funnels[0] (checkout): 'steps' must be a "
        "non-empty list"
    ]
    assert at.dataframe[0].value["persons"].tolist() == [100, 40, 10]  # gold is still shown


def test_funnels_configured_and_adhoc(lake, app):
    at = app("funnels.py", **NOV)
    no_errors(at)
    gold = at.dataframe[0].value
    assert gold["persons"].tolist() == [100, 40, 10]
    assert gold["drop_off"].tolist() == [0, 60, 30]
    # ad-hoc: / → /product/* → purchase; p1 completes (60 s, then 180 s), p3 only lands
    at.number_input(key="adhoc_n").set_value(3).run()
    at.text_input(key="adhoc_p0").input("/").run()
    at.text_input(key="adhoc_p1").input("/product/*").run()
    at.selectbox(key="adhoc_e2").set_value("purchase").run()
    no_errors(at)
    assert len(at.dataframe) == 1, "the builder waits for its button"
    at.button(key="adhoc_go").click().run()
    adhoc = at.dataframe[-1].value
    assert adhoc["persons"].tolist() == [2, 1, 1]
    assert adhoc["median_time_from_previous_s"].tolist()[1:] == [60.0, 180.0]
    # a 2-minute window: the purchase (4 min after landing) falls out
    at.number_input(key="adhoc_w").set_value(2).run()
    at.selectbox(key="adhoc_u").set_value("m").run()
    assert at.dataframe[-1].value["persons"].tolist() == [2, 1, 0]
    at.selectbox(key="adhoc_by").set_value("Device").run()
    # by the best attempt's device: p1 reached /product/* on desktop (10 Nov) before mobile
    # (12 Nov), and the first to get there counts; p3 only landed, on mobile
    by = at.dataframe[-1].value
    assert by[by["breakdown"] == "desktop"]["persons"].tolist() == [1, 1, 0]
    assert by[by["breakdown"] == "mobile"]["persons"].tolist() == [1, 0, 0]
    at.selectbox(key="adhoc_u").set_value("d").run()  # 2 days: p1 converts on desktop (10 Nov)
    by = at.dataframe[-1].value
    assert by[by["breakdown"] == "desktop"]["persons"].tolist() == [1, 1, 1]
    assert by[by["breakdown"] == "mobile"]["persons"].tolist() == [1, 0, 0]


def test_web_vitals_cards_and_cwv(lake, app):
    at = app("vitals.py", **NOV)
    no_errors(at)
    m = metrics(at)
    assert m["LCP p75"] == "3,500 ms"  # (2000·10 + 5000·10) / 20
    assert m["CLS p75"] == "0.035"
    assert m["TTFB p75"] == "–"
    badges = [b.proto.body for b in at.get("markdown")]
    assert any("needs improvement" in b for b in badges)
    cwv = at.dataframe[-1].value.set_index("path")["CWV"].to_dict()
    assert cwv == {"/": "pass", "/product/1": "fail"}
    at.selectbox(key="wv_device").set_value("desktop").run()
    assert metrics(at)["LCP p75"] == "2,000 ms"


def test_sessions_list_timeline_and_person(lake, app):
    at = app("sessions.py", **WEEK)
    no_errors(at)
    assert sorted(at.dataframe[0].value["session_id"]) == ["s1", "s2", "s3", "s4"]
    at.selectbox(key="ss_open").set_value("s1").run()
    timeline = at.dataframe[1].value
    assert timeline["event"].tolist() == ["page_view", "page_view", "page_view", "purchase"]
    assert f"Product {XSS}" in timeline["title"].tolist()
    assert sorted(at.dataframe[2].value["session_id"]) == ["s0", "s1", "s3"]
    assert html_rendered(at) == []


def test_sessions_respect_overview_filters(lake, app):
    at = app("sessions.py", country="DE", **WEEK)
    assert sorted(at.dataframe[0].value["session_id"]) == ["s1", "s3"]
    at.selectbox(key="ss_device").set_value("mobile").run()
    assert at.dataframe[0].value["session_id"].tolist() == ["s3"]
    at.selectbox(key="ss_country").set_value("(any)").run()
    assert sorted(at.dataframe[0].value["session_id"]) == ["s3", "s4"]


def test_retention_cohorts(lake, app):
    """The weeks the period touches, from gold retention: Nov 3-16 shows the cohorts of the
    weeks of Nov 2 and Nov 9 (whole weeks, though the period starts on a Tuesday)."""
    at = app("retention.py", project="shop", **{"from": "2026-11-03", "to": "2026-11-16"})
    no_errors(at)
    df = at.dataframe[0].value
    assert [str(c)[:10] for c in df["cohort"]] == ["2026-11-02", "2026-11-09"]
    assert df["persons"].tolist() == [2, 2]
    assert df["week 1"].tolist() == [0.5, 0.0]
    at = app("retention.py", project="shop", **{"from": "2026-11-10", "to": "2026-11-16"})
    assert at.dataframe[0].value["persons"].tolist() == [2]  # the week of Nov 9 only


def _sql(at, text: str):
    at.text_area(key="sql_text").input(text)
    at.button[-1].click().run()  # the form's Run
    return at


def test_sql_page_reads_views(lake, app):
    at = _sql(app("sql.py", project="shop"), "select count(*) as n from sessions")
    no_errors(at)
    assert at.dataframe[0].value["n"].tolist() == [7]


def test_sql_page_has_no_file_access(lake, app, tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    target = out / "x.csv"
    for text in (
        f"COPY (select 1) TO '{target}'",
        "select * from read_csv('/etc/passwd')",
        f"ATTACH '{out / 'y.db'}'",
        "SET enable_external_access = true",
        "INSTALL httpfs",
    ):
        at = _sql(app("sql.py", project="shop"), text)
        assert at.error, text
        assert not at.dataframe
    assert list(out.iterdir()) == []


def test_sql_page_row_limit(lake, app, monkeypatch):
    from beaconlake.settings import get_settings

    monkeypatch.setenv("BEACONLAKE_DASHBOARD_SQL_ROW_LIMIT", "5")
    get_settings.cache_clear()
    at = _sql(app("sql.py", project="shop"), "select * from range(100)")
    assert len(at.dataframe[0].value) == 5
    assert any("truncated" in c.value for c in at.caption)


def test_pipeline_health(lake, app):
    at = app("health.py", project="shop")
    no_errors(at)
    stats = at.dataframe[0].value.set_index("table")["rows"].to_dict()
    assert stats["sessions"] == 7
    assert stats["page_views"] == 20
    assert stats["raw_events"] == 2
    rejected = at.dataframe[1].value.set_index("reason")["events"].to_dict()
    assert rejected == {"invalid_timestamp": 2, "missing_event": 1}
    history = at.dataframe[2].value
    assert "sessions" in set(history["table"])
    assert metrics(at)["silver · events.event_time"].endswith("ago")


PAGES = ("overview.py", "live.py", "events.py", "funnels.py", "vitals.py", "sessions.py",
         "retention.py", "health.py")  # fmt: skip


def test_every_page_on_an_empty_lake_says_what_to_do(lake_root, app):
    import streamlit as st

    st.cache_data.clear()
    for page in PAGES:
        at = app(None if page == "overview.py" else page)
        no_errors(at)
        code = " ".join(c.value for c in at.code)
        assert "make up" in code and "beaconlake demo traffic" in code, page
    at = _sql(app("sql.py"), "select count(*) as n from sessions")
    no_errors(at)
    assert at.dataframe[0].value["n"].tolist() == [0]


def test_sql_page_timeout_interrupts(lake, app, monkeypatch):
    from beaconlake.settings import get_settings

    monkeypatch.setenv("BEACONLAKE_DASHBOARD_SQL_TIMEOUT_S", "1")
    get_settings.cache_clear()
    at = _sql(app("sql.py", project="shop"), "select count(*) from range(1000000000000)")
    assert at.error
    assert "interrupt" in at.error[0].value.lower()
