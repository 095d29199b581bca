"""``hyperscout view ID`` and ``hyperscout dashboard``: the web dashboard of one experiment
or of the whole store; and the dashboard ``create`` and ``resume`` start beside the engine.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from ..store import Store
from ._common import open_store

LINGER = 600.0  # seconds the dashboard of `create` outlives its experiment while unwatched
_ADDRESS_WAIT = 10.0  # seconds `create` waits for its dashboard to say where it listens


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("view", parents=[common], help="serve one experiment's web dashboard",
                       description="Serve the dashboard of a running or finished experiment "
                       "(127.0.0.1:8080 by default, the next free port if that is taken) "
                       "until Ctrl-C.")
    p.add_argument("id", metavar="ID", help="experiment id")
    _server_options(p)
    p.add_argument("--linger", type=float, default=None, help=argparse.SUPPRESS)
    p.set_defaults(handler=cmd_view)

    p = sub.add_parser("dashboard", parents=[common],
                       help="serve the web dashboard of every experiment in the store",
                       description="Serve the dashboard of the whole store until Ctrl-C.")
    _server_options(p)
    p.set_defaults(handler=cmd_dashboard, linger=None, id=None)


def _server_options(p: argparse.ArgumentParser) -> None:
    from ..web import DEFAULT_HOST, DEFAULT_PORT

    p.add_argument("--port", type=int, default=DEFAULT_PORT,
                   help=f"port (default {DEFAULT_PORT}; the next free one if it is taken)")
    p.add_argument("--host", default=DEFAULT_HOST,
                   help=f"address to bind (default {DEFAULT_HOST}); any other needs the "
                   "token on every request")
    p.add_argument("--token", help="the token for actions and, beyond localhost, for every "
                   "request (default: a generated one, printed)")


def cmd_view(args: argparse.Namespace) -> int:
    store = open_store(args)
    store.experiment(args.id)  # a typo fails here, with the store's own message
    return _serve(args, store, args.id)


def cmd_dashboard(args: argparse.Namespace) -> int:
    return _serve(args, open_store(args), None)


def _serve(args: argparse.Namespace, store: Store, experiment_id: str | None) -> int:
    from ..web import serve

    try:
        serve(store.path, experiment_id=experiment_id, host=args.host, port=args.port,
              token=args.token, linger=args.linger)
    except KeyboardInterrupt:
        pass
    return 0


class Dashboard:
    """The dashboard ``create`` and ``resume`` start beside a background engine: launched
    first, so that both start at once, and asked for its address afterwards."""

    def __init__(self, store: Store, experiment_id: str, *, port: int | None = None) -> None:
        self.command = f"hyperscout view {experiment_id}"
        self.process: subprocess.Popen[bytes] | None = None
        self.skipped: str | None = None
        self.reused: str | None = None  # the address of a dashboard already serving it
        if os.environ.get("HYPERSCOUT_DASHBOARD", "1") == "0":
            self.skipped = f"`{self.command}` (HYPERSCOUT_DASHBOARD=0: not started)"
            return
        try:
            import fastapi  # noqa: F401
            import uvicorn  # noqa: F401
        except ImportError:
            self.skipped = f"pip install -e '.[web]' in hyperscout's clone, then `{self.command}`"
            return
        self.log_path = Path(store.experiment(experiment_id).log_path).with_name("dashboard.log")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        pid_path = self.log_path.with_suffix(".pid")
        self.reused = _running_view(pid_path, experiment_id) if port is None else None
        if self.reused is not None:  # `create`'s dashboard still serves: `resume` keeps it
            return
        self.offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "hyperscout.cli", "view", experiment_id,
                 "--storage", str(store.path), "--linger", str(LINGER),
                 *(["--port", str(port)] if port is not None else [])],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
                close_fds=True)
        pid_path.write_text(f"{self.process.pid}\n")

    def address(self) -> str:
        """Its address once it listens, or why there is none and what to run instead."""
        if self.reused is not None:
            return self.reused
        if self.process is None:
            return self.skipped or f"`{self.command}`"
        deadline = time.monotonic() + _ADDRESS_WAIT
        while time.monotonic() < deadline:
            with open(self.log_path, "rb") as log:
                log.seek(self.offset)
                lines = log.read().decode(errors="replace").splitlines()
            for line in lines:
                if line.startswith("dashboard: "):
                    return line.removeprefix("dashboard: ")
            if self.process.poll() is not None:
                last = lines[-1] if lines else f"exit code {self.process.returncode}"
                return f"not started ({last}); try `{self.command}`"
            time.sleep(0.05)
        return f"still starting (see {self.log_path}); or `{self.command}`"

    def stop(self) -> None:
        """End it (the experiment had nothing left to run)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()


def _running_view(pid_path: Path, experiment_id: str) -> str | None:
    """The address of the dashboard an earlier `create` or `resume` started for this
    experiment, if it still serves; None otherwise."""
    try:
        pid = int(pid_path.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError):
        return None
    if b"view" not in cmdline or experiment_id.encode() not in cmdline:
        return None  # gone, and the pid reused by another process
    try:
        lines = pid_path.with_suffix(".log").read_text(errors="replace").splitlines()
    except OSError:
        return None
    served = [line.removeprefix("dashboard: ") for line in lines
              if line.startswith("dashboard: ")]
    return served[-1] if served else None
