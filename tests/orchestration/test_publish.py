"""publish_gold on a hand-made dbt build file (a DuckDB file with a `marts` schema, no dbt run).

The marts hold rows of every registry type (nulls included), so the tests check what publish
promises without dbt's cost: every mart lands in its gold table whole, in one commit per table,
with the registry's schema, while two tables stream at a time; a missing mart writes nothing;
a mart that fails half-way through its stream leaves that gold table at its previous version.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from lake import io
from lake.registry import DAILY_STATS, PAGE_VIEWS, SESSIONS, UTC_TS, Table
from orchestration import publish
from orchestration.publish import gold_tables, publish_gold


def _value(field: pa.Field, i: int, salt: str) -> Any:
    """Row i's value of a column: distinct per row and salt, null every 4th row if nullable."""
    if field.nullable and i % 4 == 3:
        return None
    t = field.type
    if t == pa.string():
        return f"{field.name}-{salt}-{i}"
    if t == pa.int64() or t == pa.int32():
        return i * 7 + len(salt)
    if t == pa.float64():
        return i / 3 + len(salt)
    if t == pa.bool_():
        return i % 2 == 0
    if t == pa.date32():
        return dt.date(2026, 11, 1) + dt.timedelta(days=i % 30)
    if t == UTC_TS:
        return dt.datetime(2026, 11, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=i * 61.5)
    raise AssertionError(f"no test value for {field.name}: {t}")


def _mart(table: Table, n: int, salt: str) -> pa.Table:
    rows = [{f.name: _value(f, i, salt) for f in table.schema} for i in range(n)]
    return pa.Table.from_pylist(rows, schema=table.schema)


def _build(path: Path, marts: dict[str, pa.Table]) -> None:
    """A DuckDB file with `marts.<name>` tables, as dbt leaves it (replaced if present)."""
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema if not exists marts")
        for name, data in marts.items():
            con.register("src", data)
            con.execute(f'create or replace table marts."{name}" as select * from src')
            con.unregister("src")
    finally:
        con.close()


def _rows(data: pa.Table) -> list[tuple]:
    return sorted(tuple(str(v) for v in r.values()) for r in data.to_pylist())


def _writes(table: Table, root: str) -> int:
    dt_ = io.open_table(table, root)
    assert dt_ is not None
    return [h["operation"] for h in dt_.history()].count("WRITE")


SIZES = {SESSIONS.name: 700, PAGE_VIEWS.name: 1500}  # the rest: 5 rows each


@pytest.fixture
def marts() -> dict[str, pa.Table]:
    return {t.name: _mart(t, SIZES.get(t.name, 5), "a") for t in gold_tables()}


def test_every_mart_lands_whole_in_one_commit(
    tmp_path: Path, lake_root: str, marts: dict[str, pa.Table], monkeypatch: pytest.MonkeyPatch
) -> None:
    build = tmp_path / "build.duckdb"
    _build(build, marts)
    monkeypatch.setattr(publish, "BATCH_ROWS", 256)  # several batches per large table
    counts = publish_gold(lake_root, build)
    assert counts == {name: data.num_rows for name, data in marts.items()}
    assert list(counts) == [t.name for t in gold_tables()]  # registry order
    for t in gold_tables():
        got = io.read_arrow(t, root=lake_root)
        assert got.schema == t.schema, t.name
        assert _rows(got) == _rows(marts[t.name]), t.name
        assert _writes(t, lake_root) == 1, t.name

    # a new build: every table is replaced, still one WRITE commit per table and publish
    again = {name: _mart(t, SIZES.get(name, 5) + 3, "b") for name, t in
             ((t.name, t) for t in gold_tables())}  # fmt: skip
    _build(build, again)
    counts = publish_gold(lake_root, build)
    for t in gold_tables():
        assert counts[t.name] == again[t.name].num_rows
        assert _rows(io.read_arrow(t, root=lake_root)) == _rows(again[t.name]), t.name
        assert _writes(t, lake_root) == 2, t.name


def test_a_missing_mart_writes_nothing(
    tmp_path: Path, lake_root: str, marts: dict[str, pa.Table]
) -> None:
    build = tmp_path / "build.duckdb"
    del marts[PAGE_VIEWS.name]
    _build(build, marts)
    with pytest.raises(RuntimeError, match="page_views missing from the dbt build"):
        publish_gold(lake_root, build)
    assert all(io.open_table(t, lake_root) is None for t in gold_tables())


def test_a_stream_failing_half_way_leaves_the_previous_version(
    tmp_path: Path, lake_root: str, marts: dict[str, pa.Table], monkeypatch: pytest.MonkeyPatch
) -> None:
    build = tmp_path / "build.duckdb"
    _build(build, marts)
    publish_gold(lake_root, build)
    before = io.open_table(SESSIONS, lake_root)
    assert before is not None
    # sessions.pageviews as text whose last row is no number: the cast fails in the stream's
    # last batch, after delta-rs has taken (and may have written files for) the first ones.
    con = duckdb.connect(str(build))
    try:
        con.execute(
            "create or replace table marts.sessions as select * replace ("
            "  case when row_number() over () = 700 then 'x' else pageviews::varchar end"
            "  as pageviews) from marts.sessions"
        )
    finally:
        con.close()
    monkeypatch.setattr(publish, "BATCH_ROWS", 100)
    with pytest.raises(Exception, match="'x'"):  # pyarrow's cast error, via delta-rs
        publish_gold(lake_root, build)
    after = io.open_table(SESSIONS, lake_root)
    assert after is not None and after.version() == before.version()
    assert _rows(io.read_arrow(SESSIONS, root=lake_root)) == _rows(marts[SESSIONS.name])


def test_overwrite_streams_a_reader_cast_to_the_registry_schema(lake_root: str) -> None:
    """lake.io.overwrite with a RecordBatchReader: conformed per batch, one commit."""
    n = 10
    src = pa.table(
        {
            "project_id": pa.array(["p"] * n),
            "event_id": pa.array([f"e{i}" for i in range(n)]),
            "session_id": pa.array(["s"] * n),
            "event_time": pa.array(
                [dt.datetime(2026, 11, 1, tzinfo=dt.UTC)] * n, pa.timestamp("us", tz="UTC")
            ),
            "engaged_ms": pa.array(range(n), pa.int32()),  # int32 → the registry's int64
        }
    )  # the other columns are nullable and absent: written as nulls
    reader = pa.RecordBatchReader.from_batches(src.schema, src.to_batches(max_chunksize=3))
    io.overwrite(PAGE_VIEWS, reader, root=lake_root)
    got = io.read_arrow(PAGE_VIEWS, root=lake_root)
    assert got.schema == PAGE_VIEWS.schema
    assert sorted(got.column("engaged_ms").to_pylist()) == list(range(n))
    assert got.column("path").null_count == n
    assert _writes(PAGE_VIEWS, lake_root) == 1


def test_a_failed_publish_leaves_the_build_file_unlocked(
    tmp_path: Path, lake_root: str, marts: dict[str, pa.Table], monkeypatch: pytest.MonkeyPatch
) -> None:
    """dbt's next run must open the file for writing even while the failure's traceback is
    still referenced (as pytest.raises, a log handler or a retry loop keep it)."""
    import gc
    import subprocess
    import sys

    build = tmp_path / "build.duckdb"
    _build(build, marts)

    class Killed(Exception):
        pass

    def die(table: Table, data: Any, **kw: Any) -> None:
        raise Killed(table.name)

    monkeypatch.setattr(publish.io, "overwrite", die)
    gc.disable()  # the traceback's reference cycles stay until a collection runs
    try:
        with pytest.raises(Killed) as failure:
            publish_gold(lake_root, build)
        code = f"import duckdb; duckdb.connect({str(build)!r}).close()"
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert failure.value is not None  # the traceback is alive here
        assert done.returncode == 0, done.stderr[-500:]
    finally:
        gc.enable()


def _with(data: pa.Table, i: int, column: str, value: Any) -> pa.Table:
    """data with row i's `column` set to value."""
    rows = data.to_pylist()
    rows[i][column] = value
    return pa.Table.from_pylist(rows, schema=data.schema)


def _versions(root: str) -> dict[str, int]:
    out = {}
    for t in gold_tables():
        dt_ = io.open_table(t, root)
        assert dt_ is not None
        out[t.name] = dt_.version()
    return out


def test_only_changed_tables_are_rewritten_and_gold_equals_a_full_publish(
    tmp_path: Path, lake_root: str, marts: dict[str, pa.Table], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Micro-batch publishes leave unchanged tables at their version; changes that a weaker
    fingerprint (per-column sums, row count, value equality) would miss are still written, and
    every table ends equal to a full publish of the same build into an empty lake."""
    monkeypatch.setattr(publish, "FINGERPRINT_MAX_ROWS", 1000)  # page_views (1,500) above it
    build = tmp_path / "build.duckdb"
    marts["daily_stats"] = _with(marts["daily_stats"], 0, "bounce_rate", 0.0)
    _build(build, marts)
    first = publish_gold(lake_root, build)
    assert first.skipped == []
    v1 = _versions(lake_root)

    again = publish_gold(lake_root, build)  # the same build: nothing to write but page_views
    assert again == first
    assert again.skipped == [t.name for t in gold_tables() if t.name != PAGE_VIEWS.name]
    v2 = _versions(lake_root)
    assert v2 == {**v1, PAGE_VIEWS.name: v1[PAGE_VIEWS.name] + 1}

    sessions = marts[SESSIONS.name].to_pylist()  # swap two sessions' event counts
    sessions[0]["events"], sessions[1]["events"] = sessions[1]["events"], sessions[0]["events"]
    top = marts["top_pages"].to_pylist()
    top[1] = dict(top[0])  # a duplicated row in place of another: same row count
    changed = {
        **marts,
        "daily_stats": _with(marts["daily_stats"], 0, "bounce_rate", -0.0),  # 0.0 == -0.0
        SESSIONS.name: pa.Table.from_pylist(sessions, schema=SESSIONS.schema),
        "top_pages": pa.Table.from_pylist(top, schema=marts["top_pages"].schema),
        "funnel_steps": marts["funnel_steps"].slice(1),  # a row gone
        "web_vitals": _with(marts["web_vitals"], 3, "p75", 1.5),  # a null becomes a value
    }
    _build(build, changed)
    third = publish_gold(lake_root, build)
    rewritten = {"daily_stats", SESSIONS.name, "top_pages", "funnel_steps", "web_vitals"}
    rewritten.add(PAGE_VIEWS.name)
    assert set(third.skipped) == {t.name for t in gold_tables()} - rewritten
    v3 = _versions(lake_root)
    assert {n for n in v3 if v3[n] != v2[n]} == rewritten
    assert all(v3[n] == v2[n] + 1 for n in rewritten)  # one commit each

    full = tmp_path / "full"
    full.mkdir()
    assert publish_gold(str(full), build) == third
    for t in gold_tables():
        got, want = io.read_arrow(t, root=lake_root), io.read_arrow(t, root=str(full))
        assert got.schema == want.schema == t.schema, t.name
        assert _rows(got) == _rows(want) == _rows(changed[t.name]), t.name  # str: -0.0 != 0.0


def test_a_gold_table_changed_by_another_writer_is_rewritten(
    tmp_path: Path, lake_root: str, marts: dict[str, pa.Table]
) -> None:
    """The fingerprint counts only while the publish's commit is the table's latest one."""
    build = tmp_path / "build.duckdb"
    _build(build, marts)
    publish_gold(lake_root, build)
    daily = io.open_table(DAILY_STATS, lake_root)
    assert daily is not None
    daily.delete()  # e.g. a maintenance job's delete: gold no longer holds the mart
    assert io.read_arrow(DAILY_STATS, root=lake_root).num_rows == 0
    assert "daily_stats" not in publish_gold(lake_root, build).skipped
    got = io.read_arrow(DAILY_STATS, root=lake_root)
    assert _rows(got) == _rows(marts["daily_stats"])


def test_statistics_are_kept_where_a_reader_can_skip_by_them(
    tmp_path: Path, lake_root: str, marts: dict[str, pa.Table]
) -> None:
    """project_id and time columns keep Parquet and Delta min/max; other columns have none."""
    import pyarrow.parquet as pq

    build = tmp_path / "build.duckdb"
    _build(build, marts)
    publish_gold(lake_root, build)
    for table, kept in ((PAGE_VIEWS, {"project_id", "event_time"}),
                        (SESSIONS, {"project_id", "started_at", "ended_at"}),
                        (DAILY_STATS, {"project_id", "day"})):  # fmt: skip
        dt_ = io.open_table(table, lake_root)
        assert dt_ is not None
        for uri in dt_.file_uris():
            meta = pq.ParquetFile(uri.removeprefix("file://")).metadata
            for g in range(meta.num_row_groups):
                group = meta.row_group(g)
                with_stats = {
                    group.column(c).path_in_schema
                    for c in range(group.num_columns)
                    if group.column(c).statistics is not None
                    and group.column(c).statistics.has_min_max
                }
                assert with_stats == kept, table.name
        adds = pa.table(dt_.get_add_actions(flatten=True)).to_pylist()
        assert all(a[f"min.{c}"] is not None for a in adds for c in kept), table.name


def _first_row_filter(table: Table, data: pa.Table) -> tuple[str, Any]:
    """A column without statistics and its first non-null value in the mart."""
    col = next(f.name for f in table.schema if f.name not in (table.stats_columns or []))
    value = next(v for v in data.column(col).to_pylist() if v is not None)
    return col, value


def test_a_delta_reader_filtering_on_any_column_finds_the_rows(
    tmp_path: Path, lake_root: str, marts: dict[str, pa.Table]
) -> None:
    """delta-rs's own dataset, filtered by a column gold keeps no statistics for (e.g.
    page_views.event_id), returns the matching rows: the table's statistics property names
    the columns that have them, so no reader takes the others' missing min/max for null."""
    import pyarrow.compute as pc

    build = tmp_path / "build.duckdb"
    _build(build, marts)
    publish_gold(lake_root, build)
    for table in gold_tables():
        col, value = _first_row_filter(table, marts[table.name])
        dt_ = io.open_table(table, lake_root)
        assert dt_ is not None
        want = marts[table.name].filter(pc.field(col) == value).num_rows
        got = dt_.to_pyarrow_dataset().to_table(filter=pc.field(col) == value).num_rows
        assert (table.name, got) == (table.name, want) and want > 0


def test_a_table_published_without_the_statistics_property_is_rewritten_with_it(
    tmp_path: Path, lake_root: str, marts: dict[str, pa.Table]
) -> None:
    """A gold table from an older version (no statistics columns property, Parquet statistics
    off for most columns: what readers misread) gets the property and new files at the next
    publish, even when its mart is unchanged (the fingerprint would otherwise skip it)."""
    import pyarrow.compute as pc
    from deltalake import DeltaTable, write_deltalake

    from lake.registry import STATS_COLUMNS_KEY, TABLE_PROPERTIES

    table = DAILY_STATS
    uri = io.table_uri(table, lake_root)
    DeltaTable.create(uri, schema=table.schema, configuration=TABLE_PROPERTIES)
    write_deltalake(uri, marts[table.name], mode="overwrite",
                    writer_properties=publish._writer_properties(table))  # fmt: skip
    col, value = _first_row_filter(table, marts[table.name])
    old = DeltaTable(uri).to_pyarrow_dataset().to_table(filter=pc.field(col) == value)
    assert old.num_rows == 0  # the misread this guards against (delta-rs 1.6)
    build = tmp_path / "build.duckdb"
    _build(build, marts)
    publish_gold(lake_root, build)
    dt_ = DeltaTable(uri)
    assert dt_.metadata().configuration[STATS_COLUMNS_KEY] == "project_id,day"
    assert dt_.to_pyarrow_dataset().to_table(filter=pc.field(col) == value).num_rows == 1
