"""`beaconlake up`: the whole stack on the local lake, with demo data on first start."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from pathlib import Path

import typer

from beaconlake.settings import get_settings
from beaconlake.stack import Service, Stack, python_tool, wait_healthy

REPO = Path(__file__).resolve().parents[2]


def _data_dir() -> Path:
    """`./data`, the parent of the local lake: logs, Dagster's home and demo secrets live here."""
    lake = Path(get_settings().lake_uri)
    return lake.parent if lake.name == "lake" else lake / "_stack"


def _demo_key(data: Path) -> str:
    """The demo project's write key, created once and kept in data/ (keys are stored hashed)."""
    from lake import keys

    path = data / "demo_key.txt"
    if path.exists():
        key = path.read_text().strip()
        if keys.hash_key(key) in keys.load_keys("write"):
            return key
    _, key = keys.create_key("demo")
    path.write_text(key + "\n")
    return key


def _dashboard_password(data: Path) -> tuple[str, str]:
    """A local login for the dashboard (password kept in data/), and its stored hash."""
    from streamlit_app.passwords import hash_password

    path = data / "dashboard_password.txt"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(12) + "\n")
        path.chmod(0o600)
    password = path.read_text().strip()
    return password, hash_password(password)


def _dagster_home(data: Path) -> Path:
    home = data / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    template = REPO / "orchestration/dagster_home/dagster.yaml"
    if template.exists():
        shutil.copyfile(template, home / "dagster.yaml")
    return home


def _lake_is_empty() -> bool:
    from lake import io
    from lake.registry import RAW_EVENTS

    dt = io.open_table(RAW_EVENTS)
    return dt is None or not dt.file_uris()


def up(
    demo_visitors: int = typer.Option(300, "--demo-visitors", help="Visitors of demo traffic."),
    demo_days: int = typer.Option(14, "--demo-days", help="Days of demo traffic."),
    collector_port: int = typer.Option(8000, "--collector-port", help="Collector and demo shop."),
    dagster_port: int = typer.Option(3000, "--dagster-port", help="Dagster UI."),
    dashboard_port: int = typer.Option(8501, "--dashboard-port", help="Streamlit dashboard."),
) -> None:
    """Start collector, Dagster, Streamlit and the demo shop on ./data; print the URLs."""
    settings = get_settings()
    if "://" in settings.lake_uri:
        typer.echo(
            "error: `beaconlake up` runs on a local lake; unset BEACONLAKE_LAKE_URI", err=True
        )
        raise typer.Exit(1)
    data = _data_dir()
    data.mkdir(parents=True, exist_ok=True)
    key = _demo_key(data)
    if Path(settings.demo_dir).exists():
        from demo.config import write_config

        write_config(key, Path(settings.demo_dir), options={"replay": True})  # show replay
    password, password_hash = _dashboard_password(data)
    env = {
        "BEACONLAKE_LAKE_URI": os.path.abspath(settings.lake_uri),
        "BEACONLAKE_TRUSTED_PROXIES": '["127.0.0.1"]',
        "BEACONLAKE_DASHBOARD_PASSWORD_HASH": password_hash,
        "DAGSTER_HOME": str(_dagster_home(data).resolve()),
        "DAGSTER_DISABLE_TELEMETRY": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        # dagster-dbt's prepare_if_dev() looks for `dbt` on PATH: put this venv's bin first.
        "PATH": os.pathsep.join([str(Path(python_tool("dbt")).parent), os.environ.get("PATH", "")]),
    }
    collector_url = f"http://127.0.0.1:{collector_port}"
    services = [
        Service(
            "collector",
            [python_tool("beaconlake"), "collect", "--port", str(collector_port)],
            f"{collector_url}/healthz",
            env,
        ),
        Service(
            "dagster",
            [
                python_tool("dagster"),
                "dev",
                "-m",
                "orchestration.definitions",
                "-p",
                str(dagster_port),
            ],
            f"http://127.0.0.1:{dagster_port}/server_info",
            env,
            nice=settings.batch_nice,
        ),
        Service(
            "streamlit",
            [
                python_tool("streamlit"),
                "run",
                "streamlit_app/app.py",
                "--server.port",
                str(dashboard_port),
                "--server.headless",
                "true",
                "--server.enableStaticServing",
                "true",
                "--browser.gatherUsageStats",
                "false",
            ],
            f"http://127.0.0.1:{dashboard_port}/_stcore/health",
            env,
            nice=settings.batch_nice,
        ),
    ]
    typer.echo(f"starting BeaconLake on {env['BEACONLAKE_LAKE_URI']} (logs in {data / 'logs'})")
    with Stack(services, data / "logs") as stack:
        try:
            wait_healthy(services)
        except RuntimeError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
        if _lake_is_empty():
            typer.echo(f"first start: posting {demo_visitors} demo visitors over {demo_days} days")
            subprocess.run(
                [
                    python_tool("beaconlake"),
                    "demo",
                    "traffic",
                    "--visitors",
                    str(demo_visitors),
                    "--days",
                    str(demo_days),
                    "--host",
                    collector_url,
                    "--key",
                    key,
                ],
                env={**os.environ, **env},
                check=False,
            )
        typer.echo(
            "\nBeaconLake is up:\n"
            f"  collector   {collector_url}/v1/events   (write key: {key})\n"
            f"  demo shop   {collector_url}/demo/\n"
            f"  dashboard   http://127.0.0.1:{dashboard_port}   (password: {password})\n"
            f"  dagster     http://127.0.0.1:{dagster_port}\n"
            "Gold tables refresh within a minute (the pipeline sensor polls every 30 s).\n"
            "Ctrl-C stops everything."
        )
        why = stack.supervise()
    typer.echo(f"stopped ({why})")
