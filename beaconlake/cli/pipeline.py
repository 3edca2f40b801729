"""`beaconlake pipeline run`: one synchronous micro-batch (enrich, dbt build, publish gold)."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, help="The enrichment and modelling pipeline.")
