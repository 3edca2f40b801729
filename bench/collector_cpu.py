"""CPU a request of the collector, by thread, under wrk: what machine load cannot distort much.

    .venv/bin/python bench/collector_cpu.py [--conns 1000] [--windows 4] [--seconds 12]
        [--scenario single|batch50] [--lake DIR [--log-files M]] [--workers 2]

Starts the collector as bench/collector.py does (2 workers unless `--workers`, single-event
bodies or batches of 50, no rate limit) and reads `/proc/<pid>/task/*/stat` of its workers
around each wrk window: CPU of the event-loop thread, of the Python worker threads (the
commit's `to_thread`; delta-rs runs part of its work on the calling thread), of delta-rs's
tokio threads, divided by the requests answered.
`--lake DIR`: start from a copy of an existing lake (its `KEY` file holds a write key), e.g. one
whose log already holds thousands of versions (`--prefill N DIR` makes one and exits). For an
A/B, run this file from each worktree back to back.
`--log-files M` (with `--lake`): pad the copy's log to M files first (`pad_log`): the log a
collector carries at steady state (bronze keeps 15 minutes of it: ~18 k files at 20 commits a
second), without replaying M real commits.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import collector as bc  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def prefill(lake: Path, versions: int) -> None:
    """A lake whose raw_events log holds `versions` one-row commits, compacted, with a key."""
    from deltalake import DeltaTable, PostCommitHookProperties, write_deltalake

    from ingest_api.rows import Chunk, RequestMeta, raw_events_table
    from lake import io
    from lake.keys import create_key
    from lake.registry import RAW_EVENTS, REJECTED_EVENTS

    root = str(lake)
    (lake / "KEY").parent.mkdir(parents=True, exist_ok=True)
    (lake / "KEY").write_text(create_key("bench", "write", root=root)[1])
    io.ensure_table(REJECTED_EVENTS, root)
    uri = io.table_uri(RAW_EVENTS, root)
    table = io.ensure_table(RAW_EVENTS, root)
    hooks = PostCommitHookProperties(create_checkpoint=True, cleanup_expired_logs=False)
    for i in range(versions):
        meta = RequestMeta(dt.datetime.now(dt.UTC), "bench", None, None, f"p{i}", lambda: "v")
        rows = [(f"prefill-{i}", "page_view", "t", *[None] * 9)]
        data = raw_events_table([Chunk(meta.consts, rows)])
        write_deltalake(
            table, data, mode="append", partition_by=["received_date"],
            post_commithook_properties=hooks,
        )  # fmt: skip
        if i % 200 == 199:
            DeltaTable(uri).optimize.compact()
            table = DeltaTable(uri)
    DeltaTable(uri).optimize.compact()
    DeltaTable(uri).create_checkpoint()


def pad_log(lake: Path, files: int) -> None:
    """Add commits holding only commitInfo and an app transaction after the latest checkpoint,
    and a copy of that checkpoint at the new last version, until `_delta_log` holds `files`
    files. Every delta-rs commit lists the whole log on a local disk, so its cost depends on the
    count; the table's rows and files stay the same. The commits are new: the collector's log
    cleanup (15 minutes) removes none of them during a run started at once."""
    import time

    from lake import io
    from lake.registry import RAW_EVENTS

    log = Path(io.table_uri(RAW_EVENTS, str(lake)).removeprefix("file://")) / "_delta_log"
    last = json.loads((log / "_last_checkpoint").read_text())
    v0, now = last["version"], int(time.time() * 1000)
    end = v0 + files - len(list(log.iterdir())) - 1  # the new checkpoint is one more file
    for v in range(v0 + 1, end + 1):
        lines = [{"commitInfo": {"timestamp": now, "operation": "WRITE"}},
                 {"txn": {"appId": "pad", "version": v, "lastUpdated": now}}]  # fmt: skip
        (log / f"{v:020d}.json").write_text("".join(json.dumps(x) + "\n" for x in lines))
    if end > v0:
        shutil.copy(log / f"{v0:020d}.checkpoint.parquet", log / f"{end:020d}.checkpoint.parquet")
        (log / "_last_checkpoint").write_text(json.dumps(dict(last, version=end)))


def _kind(pid: int, tid: int, comm: str) -> str:
    if tid == pid:
        return "loop"
    if "tokio" in comm:
        return "tokio"
    return "python" if comm.startswith(("asyncio", "Thread", "python")) else "other"


def sample(parent: int) -> dict[str, float]:
    """CPU seconds so far of the collector's workers, by kind of thread (uvicorn serves from
    its main process when it has no worker processes: `--workers 1`)."""
    out = subprocess.run(["pgrep", "-P", str(parent)], capture_output=True, text=True).stdout
    agg: dict[str, float] = {"loop": 0.0, "python": 0.0, "tokio": 0.0, "other": 0.0}
    for pid in map(int, out.split() or [parent]):
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                stat = Path(f"/proc/{pid}/task/{tid}/stat").read_text()
                comm = Path(f"/proc/{pid}/task/{tid}/comm").read_text().strip()
            except OSError:
                continue  # the thread ended
            f = stat.rsplit(")", 1)[1].split()
            agg[_kind(pid, int(tid), comm)] += (int(f[11]) + int(f[12])) / TICK
    return agg


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--conns", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--windows", type=int, default=4)
    ap.add_argument("--seconds", type=int, default=12)
    ap.add_argument("--scenario", choices=sorted(bc.SCENARIOS), default="single")
    ap.add_argument("--lake", type=Path, default=None, help="start from a copy of this lake")
    ap.add_argument("--prefill", type=int, default=0, help="make such a lake with N versions")
    ap.add_argument("--log-files", type=int, default=0, help="with --lake: pad its log to M")
    a = ap.parse_args()
    if a.prefill:
        if a.lake is None:
            sys.exit("--prefill needs --lake DIR (the lake to make)")
        os.environ["BEACONLAKE_LAKE_URI"] = str(a.lake)
        prefill(a.lake, a.prefill)
        return
    tmp = Path(tempfile.mkdtemp(prefix="bl-cpu-"))
    lake = tmp / "lake"
    if a.lake:
        shutil.copytree(a.lake, lake)
        key = (lake / "KEY").read_text()
        pad_log(lake, a.log_files)
    else:
        from lake.keys import create_key

        key = create_key("bench", "write", root=str(lake))[1]
    env = dict(
        os.environ,
        BEACONLAKE_LAKE_URI=str(lake),
        BEACONLAKE_RATE_LIMIT_EVENTS_PER_S="1e9",
        BEACONLAKE_RATE_LIMIT_BURST="1e9",
    )
    script = bc._bodies(tmp, key)[a.scenario]
    proc, url = bc._start(["-m", "ingest_api", "--workers", str(a.workers)], env, tmp / "c.log")
    try:
        for w in range(a.windows):
            before = sample(proc.pid)
            r = bc.wrk(url, script, a.conns, a.seconds)
            after = sample(proc.pid)
            ok = r["requests"] - r["non_2xx"]
            per = {k: round((after[k] - before[k]) / ok * 1e6, 1) for k in after}
            per["all"] = round((sum(after.values()) - sum(before.values())) / ok * 1e6, 1)
            print(json.dumps({"window": w, "ok_rps": round(r["ok_rps"]), "p50_ms": r["p50_ms"],
                              "p99_ms": r["p99_ms"], "load": r["load"],
                              "us_a_request": per}))  # fmt: skip
    finally:
        bc._stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
