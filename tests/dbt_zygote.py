"""Test-only launcher for `run_dbt_build`'s dbt process: forked from a process that has already
imported dbt, instead of a new interpreter importing it again.

Why: every build starts `python -m orchestration.dbt_main`, and importing dbt, dbt-duckdb and the
lake plugin costs ~3.5 s of CPU before dbt does anything; the suite starts ~50 builds on CI's 2
cores. A fork of a process that imported them (and ran nothing) is a fresh dbt all the same:
dbt-duckdb's class-level DuckDB environment, the settings cache and deltalake's runtime are
created in the child, as in a new process. The child runs dbt's CLI as orchestration.dbt_main
does and ends the same way: dbt's exit handlers (dbt-duckdb's connection close: the checkpoint)
run, then the process exits with dbt's code. The handler that ends the process is registered
before dbt is imported, as dbt_main registers its own, so it runs after all of dbt's.

`python -m tests.dbt_zygote SOCKET` serves; `ForkedDbt(SOCKET).run(...)` stands in for
`subprocess.run` in orchestration.dbt_build (tests/conftest.py). Each request gets its own
handler process (the zygote stays single-threaded), so builds may run concurrently.
"""

from __future__ import annotations

import atexit
import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

_exit_code = [1]


def _end_child() -> None:
    """The last exit handler of a build's process (registered first): exit with dbt's code."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(_exit_code[0])


def _run_dbt(req: dict[str, Any]) -> None:
    """In the build's process: dbt's CLI with the request's argv, environment and cwd."""
    import threading

    os.environ.clear()
    os.environ.update(req["env"])
    os.chdir(req["cwd"])
    for fd, path in ((1, req["stdout"]), (2, req["stderr"])):
        out = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(out, fd)
        os.close(out)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    sys.argv = ["orchestration.dbt_main", *req["args"]]
    from dbt.cli.main import cli

    try:
        cli()
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            _exit_code[0] = exc.code or 0
    except BaseException:  # as an uncaught exception in dbt_main: traceback, code 1
        import traceback

        traceback.print_exc()
    threading._shutdown()  # type: ignore[attr-defined]  # as the interpreter does at exit
    atexit._run_exitfuncs()  # dbt's handlers, then _end_child
    os._exit(_exit_code[0])  # not reached


def _handle(conn: socket.socket) -> None:
    """In a handler process: read one request, fork the build, answer with its exit code."""
    with conn, conn.makefile("rwb") as f:
        req = json.loads(f.readline())
        pid = os.fork()
        if pid == 0:
            _run_dbt(req)
        f.write(f"{pid}\n".encode())
        f.flush()
        _, status = os.waitpid(pid, 0)
        f.write(f"{os.waitstatus_to_exitcode(status)}\n".encode())
        f.flush()


def serve(path: str) -> None:
    """Import dbt once, then fork a handler per connection (never a thread: forks stay safe)."""
    atexit.register(_end_child)  # before dbt's own handlers, as orchestration.dbt_main does
    import dbt.adapters.duckdb
    import dbt.cli.main  # noqa: F401

    import dbt_project.plugins.lake_source  # noqa: F401

    srv = socket.socket(socket.AF_UNIX)
    srv.bind(path)
    srv.listen(16)
    print("ready", flush=True)
    while True:
        conn, _ = srv.accept()
        if conn.recv(1, socket.MSG_PEEK) in (b"", b"q"):  # the client's quit: reap, end
            conn.close()
            _reap(block=True)
            return
        if os.fork() == 0:
            srv.close()
            try:
                _handle(conn)
            finally:
                os._exit(0)
        conn.close()
        _reap(block=False)


def _reap(block: bool) -> None:
    """Collect finished handler processes (all of them, waiting, with block)."""
    while True:
        try:
            if os.waitpid(-1, 0 if block else os.WNOHANG)[0] == 0:
                return
        except ChildProcessError:
            return


class ForkedDbt:
    """`run()` has subprocess.run's signature as run_dbt_build uses it; a command other than
    `python -m orchestration.dbt_main ...` goes to the real subprocess.run."""

    def __init__(self, path: str, out_dir: Path) -> None:
        self.path = path
        self.out_dir = out_dir
        self.builds = 0

    def quit(self) -> None:
        """Ask the zygote to wait for its running builds and exit."""
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(self.path)
            s.sendall(b"q")

    def run(self, cmd: list[str], *, env: dict[str, str] | None = None, **kw: Any) -> Any:
        as_run_dbt_build = {"capture_output": True, "text": True, "check": False}
        if cmd[1:3] != ["-m", "orchestration.dbt_main"] or kw != as_run_dbt_build:
            return subprocess.run(cmd, env=env, **kw)
        self.builds += 1
        out = self.out_dir / f"{os.getpid()}-{self.builds}"
        req = {
            "args": cmd[3:],
            "env": dict(os.environ if env is None else env),
            "cwd": os.getcwd(),
            "stdout": f"{out}.out",
            "stderr": f"{out}.err",
        }
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(self.path)
            with s.makefile("rwb") as f:
                f.write(json.dumps(req).encode() + b"\n")
                f.flush()
                pid = int(f.readline())
                line = f.readline()
        code = int(line) if line else -9
        stdout, stderr = (Path(f"{out}.{x}").read_text(errors="replace") for x in ("out", "err"))
        db = Path(req["env"].get("BEACONLAKE_DUCKDB_PATH", "-"))
        # What a build's own process guarantees (orchestration.dbt_main): dbt-duckdb's exit
        # handler checkpointed the file. Checked after every forked build.
        assert code or not Path(f"{db}.wal").exists(), f"forked dbt left {db}.wal"
        proc = subprocess.CompletedProcess(cmd, code, stdout, stderr)
        proc.pid = pid  # type: ignore[attr-defined]
        return proc


if __name__ == "__main__":
    serve(sys.argv[1])
