"""Who may do what: reads are open on the loopback address, everything else needs the
server's token.

The server always has a token (given with ``--token`` or generated). A request that
changes anything (stop, kill) must carry it in the ``X-Hyperscout-Token`` header: a page
of another site cannot read the token from ours, so it cannot forge one. Bound beyond the
loopback address, every request needs it: as that header, as ``?token=`` (the printed
address has it; the page then keeps it in a cookie), or as the cookie. On the loopback
address, requests must also name it in their Host header (no DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import secrets

HEADER = "X-Hyperscout-Token"
COOKIE = "hyperscout_token"


def new_token() -> str:
    return secrets.token_urlsafe(24)


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_local_name(host_header: str | None) -> bool:
    """Whether a request's Host header names this machine's loopback address. A server on
    the loopback address answers only those, so a page whose DNS name was rebound to
    127.0.0.1 cannot read it (and the token in it)."""
    if not host_header:
        return False
    host = host_header.rsplit(":", 1)[0] if not host_header.endswith("]") else host_header
    if host_header.startswith("["):
        host = host_header[1:].split("]", 1)[0]
    return is_loopback(host)


def matches(given: str | None, token: str) -> bool:
    return given is not None and secrets.compare_digest(given.encode(), token.encode())
