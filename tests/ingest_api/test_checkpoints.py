"""Two processes appending through kept-open table handles, across Delta checkpoints: a fresh
reader (which starts from the checkpoint) sees every row once."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os

from ingest_api.committer import BronzeWriter
from ingest_api.rows import Chunk, RequestMeta
from lake import io
from lake.registry import RAW_EVENTS

COMMITS = 110  # two writers: the log passes version 100, where delta-rs writes a checkpoint


def _writer(root: str, tag: str) -> None:
    os.environ["BEACONLAKE_LAKE_URI"] = root
    w = BronzeWriter()
    for i in range(COMMITS):
        meta = RequestMeta(dt.datetime.now(dt.UTC), "p", None, None, f"{tag}{i}", lambda: "v")
        rows = [(f"{tag}-{i}-{j}", "e", "t", *[None] * 9) for j in range(2)]
        w([Chunk(meta.consts, rows)], f"app-{tag}", i + 1)


def test_two_writers_across_checkpoints(lake_root: str) -> None:
    io.ensure_table(RAW_EVENTS, lake_root)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(lake_root, t)) for t in ("a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(300)
        assert p.exitcode == 0
    log_dir = os.path.join(io.table_uri(RAW_EVENTS, lake_root), "_delta_log")
    assert any(f.endswith(".checkpoint.parquet") for f in os.listdir(log_dir))
    ids = io.read_arrow(RAW_EVENTS, ["event_id"], root=lake_root).column("event_id").to_pylist()
    expected = {f"{t}-{i}-{j}" for t in "ab" for i in range(COMMITS) for j in range(2)}
    assert sorted(ids) == sorted(expected)
