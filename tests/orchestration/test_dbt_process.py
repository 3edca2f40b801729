"""DbtProcess: the dbt process a micro-batch starts before enriching (orchestration.dbt_build).

It must run dbt with the arguments it is given, report dbt's exit status, and leave no process
behind when the batch needs no build (nothing new, or a failure before dbt).
"""

from __future__ import annotations

import os

import pytest

from orchestration.dbt_build import DbtProcess


def test_it_runs_dbt_with_the_arguments_it_is_given_and_reports_the_exit_status(
    lake_root: str,
) -> None:
    """(A successful build through it: every pipeline test, e.g. test_end_to_end.)"""
    with DbtProcess() as proc:
        bad = proc.run(["build", "--project-dir", os.path.join(lake_root, "no-such-project")])
    assert bad.returncode != 0
    assert "no-such-project" in bad.output, bad.output[-500:]
    with pytest.raises(RuntimeError, match="already used"):
        proc.run(["--version"])


def test_an_unused_process_is_stopped(lake_root: str) -> None:
    proc = DbtProcess()
    child = proc._proc
    assert child is not None and child.poll() is None  # importing dbt
    proc.close()
    assert child.returncode is not None  # killed and reaped: no process left behind
    proc.close()  # idempotent
    with pytest.raises(RuntimeError, match="already used or closed"):
        proc.run(["--version"])
