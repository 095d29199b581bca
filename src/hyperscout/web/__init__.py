"""The web dashboard: watch, compare and steer experiments in a browser.

``hyperscout view ID`` serves one experiment, ``hyperscout dashboard`` all of them; both
bind to 127.0.0.1:8080 by default (the next free port if it is taken). Needs the ``web``
extra (FastAPI, uvicorn, plotly, whose bundled plotly.js draws the charts: nothing is
fetched from the network). See docs/dashboard.md.
"""

from __future__ import annotations

from typing import Any

from ._serve import DEFAULT_HOST, DEFAULT_PORT, address, bind, serve

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "address", "bind", "create_app", "serve"]


def create_app(*args: Any, **kwargs: Any) -> Any:
    """The dashboard's FastAPI app (see `hyperscout.web._app.create_app`)."""
    from ._app import create_app as create

    return create(*args, **kwargs)
