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


@app.command("list")
def list_(
    project: str | None = typer.Option(None, "--project", help="Only this project's keys."),
) -> None:
    """List keys: id, project, kind, created, revoked (keys themselves are never stored)."""
    rows = key_store.list_keys()
    if project is not None:
        rows = [r for r in rows if r["project_id"] == key_store.project_id_for(project)]
    for r in rows:
        revoked = r["revoked_at"].isoformat(timespec="seconds") if r["revoked_at"] else "live"
        created = r["created_at"].isoformat(timespec="seconds")
        typer.echo(f"{r['key_id']}  {r['project_id']}  {r['kind']:<6}  {created}  {revoked}")


@app.command("revoke")
def revoke(
    key: str = typer.Argument(..., help="The key itself, or its key_id from `list`."),
) -> None:
    """Revoke a key; the collector refuses it (401) within BEACONLAKE_KEY_REFRESH_S."""
    if key_store.revoke_key(key) == 0:
        typer.echo("error: no live key matches", err=True)
        raise typer.Exit(1)
    typer.echo("revoked")
