"""`beaconlake pipeline run`: one synchronous micro-batch (enrich, dbt build, publish gold)."""

from __future__ import annotations

import logging

import typer

app = typer.Typer(no_args_is_help=True, help="The enrichment and modelling pipeline.")


@app.command("run")
def run(
    enrich_only: bool = typer.Option(
        False, "--enrich-only", help="Only bronze → silver (skip dbt build and publish)."
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log each step."),
) -> None:
    """Enrich everything pending, dbt build, publish gold; exit 0 when all of it succeeded."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING)
    try:
        from orchestration.pipeline import run_pipeline

        res = run_pipeline(dbt=not enrich_only)
    except Exception as e:  # one line for the operator; the traceback with -v
        if verbose:
            logging.exception("pipeline run failed")
        reason = " ".join(str(e).split()) or type(e).__name__
        typer.echo(f"pipeline run failed: {type(e).__name__}: {reason[:500]}", err=True)
        raise typer.Exit(1) from None
    e = res.enrich
    bronze = "up to date" if e.bronze_version is None else f"bronze v{e.bronze_version}"
    deferred = (
        f", {e.persons_deferred} newly identified visitors' earlier rows left to the squash"
        if e.persons_deferred
        else ""
    )
    typer.echo(
        f"enriched {e.events} events, {e.replay_chunks} replay chunks, "
        f"{e.person_rewrites} person rewrites{deferred} ({bronze})"
    )
    if res.gold_rows:
        tables = ", ".join(f"{k}={v}" for k, v in sorted(res.gold_rows.items()))
        typer.echo(f"published gold: {tables}")
    secs = ", ".join(f"{k} {v:.1f}s" for k, v in res.seconds.items())
    typer.echo(f"done in {sum(res.seconds.values()):.1f}s ({secs})")


@app.command("squash")
def squash_persons() -> None:
    """Give silver's earlier anonymous rows their visitor's person now (the daily maintenance
    does it; gold does not need it): one Delta merge, under the pipeline lock."""
    from orchestration.enrich.squash import squash
    from orchestration.lock import pipeline_lock

    with pipeline_lock():
        n = squash()
    typer.echo(f"person squash: {n} silver rows rewritten")
