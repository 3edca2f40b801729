"""Enrichment of the same micro-batch with silver_person_rewrite "batch" and "maintenance",
alternately, then the squash that catches the maintenance copy up.

    nice -n 5 .venv/bin/python bench/person_rewrite.py --run /tmp/bench-p1/run --reps 2

`--run` is a `bench/pipeline.py` run dir after its incremental step: its silver's last commit
holds the incremental batch. Each repetition starts from a copy of that lake with silver as it
was before the batch (Parquet files hard-linked, Delta logs copied up to the previous version),
so the batch's bronze files are pending again, and times `enrich()` (what the pipeline's
"enrich" step does: the batch, then bronze compaction). Prints one row per run with the load
average, and the silver rows the squash rewrote. Only enrichment: dbt and publish do not read
silver's person_id. Last, the rows whose person_id differs between the two copies (0).
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from pathlib import Path


def copy_before_batch(run: Path, dst: Path) -> None:
    """dst/lake = run/lake with silver/events' last commit dropped (bronze as it is)."""
    shutil.rmtree(dst, ignore_errors=True)
    src = run / "lake"
    log = src / "silver" / "events" / "_delta_log"
    last = max(int(p.name[:20]) for p in log.glob("*.json"))

    def link_or_copy(a: str, b: str) -> None:
        if a.endswith(".parquet") and "_delta_log" not in a:
            os.link(a, b)
        else:
            shutil.copy2(a, b)

    for table in ("bronze/raw_events", "silver/events", "silver/replay_chunks"):
        if (src / table).exists():
            shutil.copytree(src / table, dst / "lake" / table, copy_function=link_or_copy)
    out = dst / "lake" / "silver" / "events" / "_delta_log"
    for p in out.iterdir():
        if p.name[:20].isdigit() and int(p.name[:20]) >= last:
            p.unlink()
    ckpt = out / "_last_checkpoint"
    if ckpt.exists() and not any(out.glob("*.checkpoint.parquet")):
        ckpt.unlink()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--run", required=True, type=Path)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--work", type=Path, default=None, help="default: <run>/../person-rewrite")
    args = ap.parse_args()
    work = (args.work or args.run.parent / "person-rewrite").resolve()
    from beaconlake.settings import get_settings
    from orchestration.enrich import enrich
    from orchestration.enrich.squash import squash

    print("| mode | enrich s | new rows | person rewrites | visitors deferred | load avg |")
    print("|---|---|---|---|---|---|")
    for _rep in range(args.reps):
        for mode in ("batch", "maintenance"):
            dst = work / mode
            copy_before_batch(args.run.resolve(), dst)
            os.environ["BEACONLAKE_LAKE_URI"] = str(dst / "lake")
            os.environ["BEACONLAKE_SILVER_PERSON_REWRITE"] = mode
            get_settings.cache_clear()
            load0 = os.getloadavg()[0]
            t0 = time.perf_counter()
            res = enrich()
            secs = time.perf_counter() - t0
            print(
                f"| {mode} | {secs:.1f} | {res.events:,} | {res.person_rewrites:,} | "
                f"{res.persons_deferred:,} | {load0:.1f}-{os.getloadavg()[0]:.1f} |",
                flush=True,
            )
    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    n = squash()
    print(
        f"squash of the maintenance copy: {n:,} rows in {time.perf_counter() - t0:.1f} s "
        f"(load {load0:.1f}-{os.getloadavg()[0]:.1f})",
        flush=True,
    )
    print(f"rows whose person_id differs from the batch-mode copy: {_differing(work)}")
    shutil.rmtree(work, ignore_errors=True)


def _differing(work: Path) -> int:
    """Silver rows (by event_id) whose person_id differs between the two copies."""
    from lake import duck
    from lake.registry import EVENTS
    from orchestration.enrich.run import connect

    con = connect()
    try:
        for mode in ("batch", "maintenance"):
            duck.register(con, EVENTS, str(work / mode / "lake"), name=mode)
        sql = (
            "select count(*) from batch b full join maintenance m using (event_id) "
            "where b.person_id is distinct from m.person_id"
        )
        return con.execute(sql).fetchall()[0][0]
    finally:
        con.close()


if __name__ == "__main__":
    main()
