"""`beaconlake passwd`: make the dashboard password hash (scrypt) to put in the settings."""

from __future__ import annotations

import typer


def passwd(
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, help="The new password."
    ),
) -> None:
    """Print BEACONLAKE_DASHBOARD_PASSWORD_HASH=<hash> for the given password."""
    from streamlit_app.passwords import hash_password

    if len(password) < 8:
        typer.echo("passwd: use at least 8 characters", err=True)
        raise typer.Exit(2)
    typer.echo(f"BEACONLAKE_DASHBOARD_PASSWORD_HASH='{hash_password(password)}'")
