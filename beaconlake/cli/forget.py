"""`beaconlake forget --person ID` / `--project NAME --all`: erasure from every layer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

from lake import erasure


def forget(
    person: str | None = typer.Option(
        None, "--person", help="A user id or visitor id: every visitor id linked to it goes."
    ),
    project: str | None = typer.Option(
        None, "--project", help="Project name; with --person limits it, with --all clears it."
    ),
    all_data: bool = typer.Option(
        False, "--all", help="With --project: delete all of the project's data (keeps keys)."
    ),
    vacuum_now: bool = typer.Option(
        False,
        "--vacuum-now",
        help="Also remove the old files and log entries at once (UNSAFE with running readers).",
    ),
    duckdb_wait: float = typer.Option(
        10.0, "--duckdb-wait", help="Seconds to wait for a busy DuckDB build file."
    ),
) -> None:
    """Erase a person's events (or a project's data) from bronze, silver, replay and gold."""
    if (person is None) == (not all_data):
        _fail("give --person ID, or --project NAME --all")
    if all_data and not project:
        _fail("--all needs --project NAME")
    try:
        with _pipeline_paused():
            if person is not None:
                result = erasure.forget_person(
                    person, project, purge_now=vacuum_now, duckdb_wait_s=duckdb_wait
                )
            else:
                assert project is not None
                result = erasure.forget_project(
                    project, purge_now=vacuum_now, duckdb_wait_s=duckdb_wait
                )
    except erasure.ErasureFailed as exc:
        _fail(f"erasure {exc.result.request_id} failed: {exc.result.error}")
    except ValueError as exc:
        _fail(str(exc))
    for table, rows in sorted(result.rows_deleted.items()):
        typer.echo(f"{table}: {rows} rows deleted")
    if result.total == 0:
        typer.echo("nothing stored for this subject; request logged")
    gold = "next `beaconlake pipeline run` rebuilds gold aggregates"
    purged = "old files vacuumed" if vacuum_now else "old files go at the next vacuum"
    typer.echo(f"done: request {result.request_id}, {result.total} rows; {purged}; {gold}")


@contextmanager
def _pipeline_paused() -> Iterator[None]:
    """Hold the pipeline lock while erasing: a run that read silver before the erasure could
    otherwise publish the person back into gold, and dbt would hold the DuckDB build file."""
    from orchestration.lock import PipelineBusy, pipeline_lock

    try:
        with pipeline_lock(blocking=False):
            yield
        return
    except PipelineBusy:
        typer.echo("waiting for the running pipeline to finish...", err=True)
    with pipeline_lock(blocking=True):
        yield


def _fail(reason: str) -> None:
    typer.echo(f"error: {reason}", err=True)
    raise typer.Exit(1)
