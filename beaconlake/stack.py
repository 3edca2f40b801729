"""Run the whole stack as child processes: collector, Dagster (UI + daemon), Streamlit.

`beaconlake up` uses this. Each service is a process group of its own so Ctrl-C (or SIGTERM)
stops every child cleanly, and one dying takes the rest down instead of leaving half a stack.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx


@dataclass
class Service:
    """One long-running child process and the URL that says it is up."""

    name: str
    argv: list[str]
    health_url: str
    env: dict[str, str] = field(default_factory=dict)
    nice: int = 0  # > 0: behind the others in the CPU queue (batch work behind the collector)
    proc: subprocess.Popen | None = None

    def start(self, log_dir: Path) -> None:
        log = open(log_dir / f"{self.name}.log", "ab")  # noqa: SIM115 - lives as long as the child
        self.proc = subprocess.Popen(
            self.argv,
            env={**os.environ, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=(lambda: os.nice(self.nice)) if self.nice else None,
        )

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 15.0) -> None:
        if not self.alive():
            return
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def wait_healthy(services: list[Service], timeout: float = 180.0) -> None:
    """Block until every service answers its health URL; raise when one dies or time runs out."""
    pending = list(services)
    deadline = time.monotonic() + timeout
    while pending:
        for svc in list(pending):
            if not svc.alive():
                raise RuntimeError(f"{svc.name} exited early; see its log in data/logs/")
            try:
                if httpx.get(svc.health_url, timeout=2).status_code < 500:
                    pending.remove(svc)
            except httpx.HTTPError:
                pass
        if time.monotonic() > deadline:
            names = ", ".join(s.name for s in pending)
            raise RuntimeError(f"not up after {timeout:.0f} s: {names}")
        time.sleep(0.5)


class Stack:
    """Start services, wait for them, supervise until interrupted, then stop them all."""

    def __init__(self, services: list[Service], log_dir: Path) -> None:
        self.services = services
        self.log_dir = log_dir
        log_dir.mkdir(parents=True, exist_ok=True)

    def __enter__(self) -> Stack:
        for svc in self.services:
            svc.start(self.log_dir)
        return self

    def __exit__(self, *exc: object) -> None:
        for svc in reversed(self.services):
            svc.stop()

    def supervise(self) -> str:
        """Wait until Ctrl-C/SIGTERM or a child dies; returns why it stopped."""
        stop = {"why": ""}

        def on_signal(signum: int, _frame: object) -> None:
            stop["why"] = signal.Signals(signum).name

        signal.signal(signal.SIGTERM, on_signal)
        try:
            while not stop["why"]:
                for svc in self.services:
                    if not svc.alive():
                        return (
                            f"{svc.name} exited (code {svc.proc.returncode if svc.proc else '?'})"
                        )
                time.sleep(0.5)
        except KeyboardInterrupt:
            return "SIGINT"
        return stop["why"]


def python_tool(name: str) -> str:
    """A console script installed beside this interpreter (the project's .venv)."""
    return str(Path(sys.executable).with_name(name))
