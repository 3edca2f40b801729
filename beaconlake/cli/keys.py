"""`beaconlake keys create --project NAME`: projects and their API keys."""

from __future__ import annotations

import typer

from lake import keys as key_store

app = typer.Typer(no_args_is_help=True, help="Projects and API keys.")


@app.command("create")
def create(
    project: str = typer.Option(..., "--project", help="Project (site) name; created if new."),
    secret: bool = typer.Option(False, "--secret", help="Print a secret read key instead."),
) -> None:
    """Create the project if new and print a new key as the last line."""
    try:
        project_id, key = key_store.create_key(project, kind="secret" if secret else "write")
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"project: {project_id}")
    typer.echo(f"{'secret' if secret else 'write'} key (shown once):")
    typer.echo(key)
