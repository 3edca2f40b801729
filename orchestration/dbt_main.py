"""`python -m orchestration.dbt_main build ...`: the dbt CLI, minus the interpreter's teardown.

run_dbt_build starts dbt in a fresh process for every build. After dbt's last log line that
process still runs its exit handlers (dbt-duckdb closes its DuckDB connection: the checkpoint
that makes the build durable; logging flushes its files; multiprocessing frees its locks) and
then tears the interpreter down, module by module: at 10 M events that teardown took 1-2 s of a
micro-batch's wall time on a loaded 2-core machine (docs/benchmarks.md, issue 4), for nothing the
next step reads. Here the last exit handler to run ends the process with dbt's exit code right
after every other handler has finished, skipping only that teardown.

Also unlike `python -m dbt.cli.main`, dbt's main module is executed once, not twice (runpy finds
it already imported by the `dbt.cli` package).
"""

from __future__ import annotations

import atexit
import os
import sys


def main() -> None:
    """Run dbt's click CLI with sys.argv; the process exits with its exit code."""
    code = [1]  # anything but a clean SystemExit is a failure

    def exit_now() -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code[0])

    # Registered before dbt is imported, so it runs after every handler dbt registers (LIFO).
    atexit.register(exit_now)
    from dbt.cli.main import cli

    try:
        cli()  # standalone click: always ends in SystemExit
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code[0] = exc.code or 0
        raise


if __name__ == "__main__":
    main()
