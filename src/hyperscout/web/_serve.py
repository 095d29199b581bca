"""Serving the dashboard: the address (the next free port when the asked one is taken),
the token rules for where it binds, and uvicorn."""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from . import _auth

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
_PORTS_TRIED = 50


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on `port` of `host`, or on the next free port if it is taken
    (`port` 0: any free one). Bound before the address is printed, so the address works
    as soon as it is shown."""
    if not 0 <= port <= 65535:
        raise ConfigError(f"`--port` must be between 0 and 65535, not {port}.")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for candidate in range(port, min(port + _PORTS_TRIED, 65536)):
        sock = socket.socket(family)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host.strip("[]"), candidate))
        except OSError:
            sock.close()
            continue
        sock.listen(128)
        return sock
    raise ConfigError(f"ports {port}-{port + _PORTS_TRIED - 1} on {host} are all taken; "
                      "pass --port with a free one.")


def address(host: str, port: int, experiment_id: str | None = None,
            token: str | None = None) -> str:
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    if experiment_id is not None:
        url += f"#/e/{experiment_id}"
    if token is not None:
        url = url.replace("/#", "/?token=" + token + "#") if "#" in url else url + f"?token={token}"
    return url


def serve(storage: str | Path | None = None, *, experiment_id: str | None = None,
          host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, token: str | None = None,
          log_level: str = "warning", out: Any = None,
          linger: float | None = None) -> None:
    """Serve the dashboard until interrupted, printing its address first.

    Bound beyond the loopback address, every request needs the token (`token`, or one
    generated and printed); on the loopback address only the stop and kill actions do,
    and the page carries the token itself (a generated one is printed there too, for
    scripts).

    With `linger` (seconds) and an `experiment_id`, the server also ends by itself once
    that experiment is no longer running and no page has asked anything for `linger`
    seconds: the dashboard ``hyperscout create`` starts lives as long as it is watched.
    """
    try:
        import uvicorn

        from ._app import create_app
    except ImportError as exc:
        raise ConfigError(
            f"the dashboard needs the web extra ({exc.name} is missing): "
            "pip install -e '.[web]' in hyperscout's clone") from exc
    out = out or sys.stdout
    loopback = _auth.is_loopback(host)
    secret = token or _auth.new_token()
    app = create_app(storage, experiment_id=experiment_id, token=secret,
                     require_token=not loopback)
    sock = bind(host, port)
    chosen = sock.getsockname()[1]
    if chosen != port and port:
        print(f"port {port} is taken; using {chosen}", file=out, flush=True)
    if token is None:
        needed = "every request" if not loopback else "stop and kill"
        print(f"token (needed by {needed}; scripts send it as {_auth.HEADER}): "
              f"{secret}", file=out, flush=True)
    print(f"dashboard: {address(host, chosen, experiment_id, None if loopback else secret)}",
          file=out, flush=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level=log_level))
    if linger is not None and experiment_id is not None:
        threading.Thread(target=_end_when_idle, args=(server, app, experiment_id, linger),
                         daemon=True, name="dashboard-linger").start()
    server.run(sockets=[sock])


def _end_when_idle(server: Any, app: Any, experiment_id: str, linger: float) -> None:
    from ..store import Store

    with contextlib.suppress(Exception):  # the store went away: nothing left to show
        store = Store(app.state.reader.storage)
        while not server.should_exit:
            time.sleep(min(5.0, linger))
            ended = store.experiment(experiment_id).status != "running"
            if ended and time.monotonic() - app.state.last_request > linger:
                break
    server.should_exit = True
