"""How a kept-handle append's CPU grows with the Delta log, and what the post-commit hooks cost.

    .venv/bin/python bench/commit_log.py [--commits 2000] [--cleanup-every 1] [--reopen-every 0]

Appends 20 rows at a time through one kept handle with an app transaction (as the collector
commits), compacts every 50 commits from another handle (as the collector's compactor keeps the
file count down), with the maintained tables' properties (checkpoint every 50 commits, a day of
log). `--cleanup-every N`: expired-log cleanup after every N-th commit only (1: delta-rs's
default, after each). `--reopen-every N`: a new handle every N commits (0: never; its open is
counted). Prints CPU time (all threads) a commit, median of each 250.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import pyarrow as pa
from deltalake import (
    CommitProperties,
    DeltaTable,
    PostCommitHookProperties,
    Transaction,
    write_deltalake,
)

PROPS = {"delta.checkpointInterval": "50", "delta.logRetentionDuration": "interval 1 days"}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--commits", type=int, default=2000)
    p.add_argument("--cleanup-every", type=int, default=1)
    p.add_argument("--reopen-every", type=int, default=0)
    a = p.parse_args()
    path = tempfile.mkdtemp(prefix="commit-log-")
    rows = pa.table({"a": range(20), "s": ["x" * 50] * 20, "p": ["2026-12-06"] * 20})
    DeltaTable.create(path, schema=rows.schema, partition_by=["p"], configuration=PROPS)
    table = DeltaTable(path)
    no_cleanup = PostCommitHookProperties(create_checkpoint=True, cleanup_expired_logs=False)
    cpu: list[float] = []
    for i in range(1, a.commits + 1):
        hooks = None if i % a.cleanup_every == 0 else no_cleanup
        c0 = time.process_time()
        if a.reopen_every and i % a.reopen_every == 0:
            table = DeltaTable(path)
        write_deltalake(
            table,
            rows,
            mode="append",
            partition_by=["p"],
            commit_properties=CommitProperties(app_transactions=[Transaction("bench", i)]),
            post_commithook_properties=hooks,
        )
        cpu.append(time.process_time() - c0)
        if i % 50 == 0:
            DeltaTable(path).optimize.compact()
        if i % 250 == 0:
            print(f"versions {table.version():5d}: median CPU a commit "
                  f"{statistics.median(cpu) * 1000:5.1f} ms")  # fmt: skip
            cpu.clear()


if __name__ == "__main__":
    main()
