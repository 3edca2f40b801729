"""How a delta-rs append's time grows with the files already in the table.

    .venv/bin/python bench/commit_files.py [--commits 1500]

Appends 1,000 rows at a time (one file each, one partition, an app transaction as the collector
commits) through one kept table handle, and prints the median of each run of 50 commits. Why
the collector spaces its commits and compacts bronze (docs/benchmarks.md, Soak).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import pyarrow as pa
from deltalake import CommitProperties, DeltaTable, Transaction, write_deltalake


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--commits", type=int, default=1500)
    a = p.parse_args()
    path = tempfile.mkdtemp(prefix="commit-files-")
    rows = pa.table({"a": range(1000), "s": ["x" * 50] * 1000, "p": ["2026-12-06"] * 1000})
    write_deltalake(path, rows, partition_by=["p"])
    table = DeltaTable(path)
    times: list[float] = []
    for i in range(1, a.commits + 1):
        t0 = time.perf_counter()
        props = CommitProperties(app_transactions=[Transaction("bench", i)])
        write_deltalake(table, rows, mode="append", partition_by=["p"], commit_properties=props)
        times.append(time.perf_counter() - t0)
        if i % 50 == 0:
            print(f"files {i + 1:5d}: median append {statistics.median(times) * 1000:6.1f} ms")
            times.clear()


if __name__ == "__main__":
    main()
