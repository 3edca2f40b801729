"""The DuckDB layer: locked connections, cursor pagination, CSV neutralising, ISO codes."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from streamlit_app import db, queries
from streamlit_app.countries import iso3
from streamlit_app.export import neutralise, to_csv


def test_connection_reads_views_but_no_other_file(lake, tmp_path):
    con = db.connect(["sessions", "events"], lake)
    assert con.execute("select count(*) from sessions").fetchall() == [(7,)]
    for sql in (
        f"copy (select 1) to '{tmp_path}/x.parquet'",
        "select * from read_parquet('/etc/passwd')",
        "set enable_external_access = true",
        "set allowed_paths = ['/']",
        "set lock_configuration = false",
    ):
        with pytest.raises(duckdb.Error):
            con.execute(sql)
    assert not (tmp_path / "x.parquet").exists()


def test_absent_tables_are_empty_views(lake_root):
    con = db.connect(["sessions", "replay_chunks"], lake_root)
    assert con.execute("select count(*), max(started_at) from sessions").fetchall() == [(0, None)]


def test_cursor_pagination_visits_every_event_once(lake):
    # November through today: the fixture's two live events are minutes old whenever tests run
    today = dt.datetime.now(dt.UTC).date()
    args = (lake, "shop", dt.date(2026, 11, 1), today, None, None, None, None)
    seen, cursor = [], None
    while True:
        page = queries.events_page(*args, cursor, 3)
        seen.extend(page["event_id"])
        if len(page) < 3:
            break
        last = page.iloc[-1]
        cursor = (last["event_time"].to_pydatetime(), str(last["event_id"]))
    full = queries.events_export(*args)
    assert seen == list(full["event_id"])
    assert len(seen) == len(set(seen)) == 14


def test_csv_cells_that_look_like_formulas_are_neutralised():
    df = pd.DataFrame({"a": ["=1+2", "+x", "-y", "@z", "ok", None], "n": [1, 2, 3, 4, 5, 6]})
    assert neutralise(df)["a"].tolist()[:5] == ["'=1+2", "'+x", "'-y", "'@z", "ok"]
    text = to_csv(df).decode()
    assert "\n'=1+2," in text
    assert "\n=1" not in text


def test_iso3():
    assert (iso3("DE"), iso3("FR"), iso3("us"), iso3(None), iso3("ZZ")) == (
        "DEU",
        "FRA",
        "USA",
        None,
        None,
    )


def test_export_of_filtered_rows(lake):
    args = (lake, "shop", dt.date(2026, 11, 1), dt.date(2026, 11, 30), "purchase", None)
    rows = queries.events_export(*args, "plan", "pro")
    assert rows["event_id"].tolist() == ["s1-buy"]
    assert queries.events_export(*args, "plan", "free").empty
    assert b"s1-buy" in to_csv(rows)


def test_hourly_and_daily_series(lake):
    from streamlit_app.filters import Filters

    day = dt.datetime(2026, 11, 10, tzinfo=dt.UTC)
    hourly = queries.timeseries(lake, Filters("shop", day, day + dt.timedelta(days=1)))
    assert len(hourly) == 24
    at_ten = hourly[hourly["time"] == pd.Timestamp("2026-11-10 10:00", tz="UTC")].iloc[0]
    assert (at_ten["visitors"], at_ten["sessions"], at_ten["pageviews"]) == (1, 1, 3)
    assert hourly["pageviews"].sum() == 3
    daily = queries.timeseries(lake, Filters("shop", day, day + dt.timedelta(days=7)))
    assert daily["pageviews"].tolist() == [3, 1, 2, 0, 0, 1, 0]
    assert daily["sessions"].tolist() == [1, 1, 1, 0, 0, 1, 0]


def test_hashed_views_line_up_with_their_tables(lake):
    """`<table>_h` joins in-memory id hashes by position: row i must be row i of the files."""
    con = db.connect(["sessions", "page_views"], lake, hashed=True)
    bad_s = "vh is distinct from hash(visitor_id) or sh <> hash(session_id)"
    bad_pv = "ph is distinct from hash(person_id) or sh <> hash(session_id)"
    assert con.execute(f"select count(*) filter ({bad_s}) from sessions_h").fetchall() == [(0,)]
    assert con.execute(f"select count(*) filter ({bad_pv}) from page_views_h").fetchall() == [(0,)]
    exact = "select n_visitors(vk), count(distinct visitor_id) from sessions_h"
    [(dense, strings)] = con.execute(exact).fetchall()
    assert dense == strings > 0
