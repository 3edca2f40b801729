"""The `beaconlake` command: one Typer app, each subcommand group in its own module."""

from __future__ import annotations

import typer

from beaconlake.cli import collect, demo, forget, keys, passwd, pipeline, up

app = typer.Typer(no_args_is_help=True, add_completion=False, help="BeaconLake analytics.")
app.command("collect")(collect.collect)
app.command("up")(up.up)
app.command("passwd")(passwd.passwd)
app.command("forget")(forget.forget)
app.add_typer(keys.app, name="keys")
app.add_typer(pipeline.app, name="pipeline")
app.add_typer(demo.app, name="demo")


def main() -> None:
    app()
