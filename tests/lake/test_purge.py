"""`purge_now` (`forget --vacuum-now`) next to a writer that is mid-commit.

A Delta writer writes its Parquet file, picks its version (latest + 1), and only then writes
the commit file with put-if-absent (on a local disk: a hard link, which fails if the name
exists). `_delayed_commit` does those last two steps by hand, the way delta-rs does them, so
the interleaving that lost an acknowledged collector batch is reproduced exactly, without
timing: the version is picked before the erasure, the commit is written after it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable, write_deltalake

from lake import erasure_scrub, io, purge
from lake.erasure import delete_rows
from lake.registry import RAW_EVENTS
from tests.lake import lake_scan

DAY = dt.date(2026, 11, 23)


def _rows(visitor: str, n: int = 3) -> list[dict]:
    at = dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC)
    return [
        {"event_id": f"{visitor}-{uuid.uuid4().hex[:8]}", "event": "page_view",
         "visitor_id": visitor, "received_at": at, "project_id": "p",
         "ingest_batch_id": "b1", "received_date": DAY}
        for _ in range(n)
    ]  # fmt: skip


def _table_dir(lake_root: str) -> Path:
    return Path(io.table_uri(RAW_EVENTS, lake_root))


def _write_file(lake_root: str, rows: list[dict]) -> str:
    """What an append writes before it commits: one Parquet file in the partition folder."""
    rel = f"received_date={DAY.isoformat()}/part-00000-{uuid.uuid4()}-c000.snappy.parquet"
    data = io.conform(RAW_EVENTS, rows).drop_columns(["received_date"])
    pq.write_table(data, _table_dir(lake_root) / rel)
    return rel


def _delayed_commit(lake_root: str, rel: str, version: int) -> bool:
    """Put-if-absent of an `add` commit for `rel` at `version`; False if the version exists."""
    path = _table_dir(lake_root) / rel
    action = {"add": {"path": rel, "partitionValues": {"received_date": DAY.isoformat()},
                      "size": path.stat().st_size, "dataChange": True,
                      "modificationTime": int(path.stat().st_mtime * 1000)}}  # fmt: skip
    log = _table_dir(lake_root) / "_delta_log"
    tmp = log / f"_commit_{uuid.uuid4().hex}.json.tmp"
    tmp.write_text(json.dumps({"commitInfo": {"operation": "WRITE"}}) + "\n" + json.dumps(action))
    try:
        os.link(tmp, log / f"{version:020d}.json")
        return True
    except FileExistsError:
        return False
    finally:
        tmp.unlink()


def _commit_until_landed(lake_root: str, rel: str, version: int) -> None:
    """A writer's retry loop: on "version exists", try again at the head of the log."""
    while not _delayed_commit(lake_root, rel, version):
        table = io.open_table(RAW_EVENTS, lake_root)
        assert table is not None
        version = table.version() + 1


def _visitors(lake_root: str) -> list[str]:
    rows = io.read_arrow(RAW_EVENTS, ["visitor_id"], root=lake_root)
    return rows.column("visitor_id").to_pylist()


def test_a_commit_whose_version_was_picked_before_the_purge_stays_in_the_table(
    lake_root: str,
) -> None:
    for visitor in ("v_keep", "v_gone", "v_keep"):
        io.append(RAW_EVENTS, io.conform(RAW_EVENTS, _rows(visitor)), root=lake_root)
    table = io.open_table(RAW_EVENTS, lake_root)
    assert table is not None
    picked = table.version() + 1  # the collector picked its version ...
    rel = _write_file(lake_root, _rows("v_late"))  # ... with its file written

    delete_rows(RAW_EVENTS, "visitor_id = 'v_gone'", lake_root)  # then the erasure ran
    purge.purge_now(RAW_EVENTS, lake_root)
    _commit_until_landed(lake_root, rel, picked)  # and the delayed commit went in

    visitors = _visitors(lake_root)
    assert visitors.count("v_late") == 3  # the acknowledged batch is in the table
    assert visitors.count("v_keep") == 6
    assert "v_gone" not in visitors
    assert lake_scan.find(lake_root, ["v_gone"]) == {}


def test_a_file_written_but_not_yet_committed_survives_the_purge(lake_root: str) -> None:
    io.append(RAW_EVENTS, io.conform(RAW_EVENTS, _rows("v_gone")), root=lake_root)
    rel = _write_file(lake_root, _rows("v_late"))  # an append between its file and its commit

    delete_rows(RAW_EVENTS, "visitor_id = 'v_gone'", lake_root)
    removed = purge.purge_now(RAW_EVENTS, lake_root)

    assert removed == 1  # the erased rows' file, not the uncommitted one
    assert (_table_dir(lake_root) / rel).exists()
    table = io.open_table(RAW_EVENTS, lake_root)
    assert table is not None
    _commit_until_landed(lake_root, rel, table.version() + 1)
    assert _visitors(lake_root) == ["v_late"] * 3


def test_purge_keeps_every_commit_file_without_statistics_or_parameters(lake_root: str) -> None:
    for visitor in ("v_keep", "v_gone"):
        io.append(RAW_EVENTS, io.conform(RAW_EVENTS, _rows(visitor)), root=lake_root)
    delete_rows(RAW_EVENTS, "visitor_id = 'v_gone'", lake_root)
    purge.purge_now(RAW_EVENTS, lake_root)
    write_deltalake(  # a commit after the purge keeps its statistics
        io.table_uri(RAW_EVENTS, lake_root),
        io.conform(RAW_EVENTS, _rows("v_new")),
        mode="append",
    )

    log = _table_dir(lake_root) / "_delta_log"
    table = DeltaTable(str(_table_dir(lake_root)))
    commits = sorted(p.name for p in log.glob("*.json"))
    assert commits == [f"{v:020d}.json" for v in range(table.version() + 1)]  # no gap
    checkpoints = sorted(p.name for p in log.glob("*.checkpoint.parquet"))
    assert len(checkpoints) == 1
    purged_upto = int(checkpoints[0][:20])
    for name in commits:
        text = (log / name).read_text()
        if int(name[:20]) <= purged_upto:
            assert '"stats"' not in text and "operationParameters" not in text, name
        else:
            assert '"stats"' in text
    assert sorted(_visitors(lake_root)) == ["v_keep"] * 3 + ["v_new"] * 3
    assert [h["operation"] for h in table.history()][-1] == "CREATE TABLE"


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        ('{"add":{"path":"a.parquet","size":1,"stats":"{\\"minValues\\":{\\"v\\":\\"x\\"}}"}}',
         {"add": {"path": "a.parquet", "size": 1}}),
        ('{"remove":{"path":"a.parquet","stats":"{}","deletionTimestamp":5}}',
         {"remove": {"path": "a.parquet", "deletionTimestamp": 5}}),
        ('{"commitInfo":{"timestamp":1,"operation":"WRITE","operationParameters":'
         '{"predicate":"visitor_id = \'x\'"},"userMetadata":"x","readVersion":4}}',
         {"commitInfo": {"timestamp": 1, "operation": "WRITE", "readVersion": 4}}),
        ('{"txn":{"appId":"collector-1","version":7}}',
         {"txn": {"appId": "collector-1", "version": 7}}),
    ],
)  # fmt: skip
def test_scrub_drops_only_statistics_and_commit_parameters(line: str, kept: dict) -> None:
    assert json.loads(erasure_scrub.scrub_line(line)) == kept


def test_purge_deletes_removed_files_past_their_tombstones_but_not_an_uncommitted_one(
    lake_root: str,
) -> None:
    """Bronze keeps tombstones only as long as its log (5 minutes); files removed longer ago
    stay on disk until the maintenance's 7-day vacuum, unreferenced. The purge must delete those
    too, also when written only 20 minutes ago (delta-rs's full vacuum goes by whole hours)."""
    for visitor in ("v_gone", "v_keep"):
        io.append(RAW_EVENTS, io.conform(RAW_EVENTS, _rows(visitor)), root=lake_root)
    table = io.open_table(RAW_EVENTS, lake_root)
    assert table is not None
    compacted_away = [Path(u.removeprefix("file://")) for u in table.file_uris()]
    table.optimize.compact()  # both files removed; their rows now in one new file
    # Let those tombstones expire (as 5 minutes later) and leave the snapshot at a checkpoint.
    table.alter.set_table_properties({"delta.deletedFileRetentionDuration": "interval 0 seconds"})
    table.create_checkpoint()
    table.alter.set_table_properties(dict(RAW_EVENTS.configuration))
    written = dt.datetime.now().timestamp() - 20 * 60
    for path in compacted_away:
        os.utime(path, (written, written))
    assert all(p.exists() for p in compacted_away)
    rel = _write_file(lake_root, _rows("v_late"))  # an append between its file and its commit

    delete_rows(RAW_EVENTS, "visitor_id = 'v_gone'", lake_root)
    purge.purge_now(RAW_EVENTS, lake_root)

    assert not any(p.exists() for p in compacted_away)
    assert lake_scan.find(lake_root, ["v_gone"]) == {}
    assert (_table_dir(lake_root) / rel).exists()
    assert sorted(_visitors(lake_root)) == ["v_keep"] * 3


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("interval 1 days", 86400), ("interval 7 days", 604800), ("interval 15 minutes", 900),
     ("interval 0 seconds", 0), ("interval 2 weeks", 1209600), (None, 604800)],
)  # fmt: skip
def test_tombstone_seconds(lake_root: str, text: str | None, seconds: float) -> None:
    uri = str(_table_dir(lake_root))
    config = {"delta.deletedFileRetentionDuration": text} if text else None
    write_deltalake(uri, io.conform(RAW_EVENTS, _rows("v")), configuration=config)
    assert purge.tombstone_seconds(DeltaTable(uri)) == seconds
