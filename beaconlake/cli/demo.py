"""`beaconlake demo …`: demo data for a new user."""

from __future__ import annotations

import random
import time
from pathlib import Path

import typer

from beaconlake.settings import get_settings

app = typer.Typer(no_args_is_help=True, help="Demo data.")


@app.command("traffic")
def traffic(
    visitors: int = typer.Option(500, "--visitors", min=1, help="Visitors to simulate."),
    days: int = typer.Option(14, "--days", min=1, help="Spread over this many past days."),
    host: str = typer.Option("http://127.0.0.1:8000", "--host", help="Collector URL."),
    key: str = typer.Option(..., "--key", help="Write key of the demo project."),
    seed: int | None = typer.Option(
        None, "--seed", help="Same seed, same events (ids too); default: random."
    ),
    site: str = typer.Option("https://shop.example", "--site", help="Site URL in the events."),
    concurrency: int = typer.Option(16, "--concurrency", min=1, help="Requests in flight."),
) -> None:
    """Post realistic synthetic traffic through the collector.

    The collector must trust this host's X-Forwarded-For (BEACONLAKE_TRUSTED_PROXIES=
    '["127.0.0.1"]'), or every visitor shows up from 127.0.0.0.
    """
    from demo.traffic import generate, post_visitors

    if seed is None:
        seed = random.SystemRandom().randrange(2**31)
    started = time.monotonic()
    people = generate(visitors, days, seed, site=site)
    n = sum(len(v.events) for v in people)
    typer.echo(f"seed {seed}: {len(people)} visitors, {n} events over {days} days → {host}")
    result = post_visitors(people, host, key, concurrency=concurrency)
    took = time.monotonic() - started
    typer.echo(
        f"accepted {result.accepted}, rejected {result.rejected}, failed {result.failed} "
        f"({result.requests} requests, {result.retries} retries) in {took:.1f}s"
    )
    if result.failed or result.rejected:
        reason = result.errors[0] if result.errors else "events rejected by validation"
        typer.echo(f"error: not every event was accepted: {reason}", err=True)
        raise typer.Exit(1)


@app.command("config")
def config(
    key: str = typer.Option(..., "--key", help="Write key the demo shop's pages send with."),
    host: str = typer.Option("", "--host", help="Collector URL; empty: the serving origin."),
) -> None:
    """Write the demo shop's config.js (what `beaconlake up` does for you)."""
    from demo.config import write_config

    try:
        path = write_config(key, Path(get_settings().demo_dir), host)
    except (ValueError, OSError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"wrote {path}")
