"""Durations as users write them in config files and on the command line: ``90``, ``"90s"``,
``"30m"``, ``"1.5h"``, ``"2d"`` (NNI's maxExecDuration syntax)."""

from __future__ import annotations

import math
import re

from .errors import ConfigError

_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_PATTERN = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([smhd]?)\s*$", re.IGNORECASE)


def parse_duration(value: float | str | None, *, name: str = "duration") -> float | None:
    """Seconds from a number or a string with a unit (s, m, h, d); ``None`` stays ``None``.

    >>> parse_duration("1.5h")
    5400.0
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ConfigError(f"`{name}` must be a duration like 90, '30m' or '2h', but got {value!r}.")
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        match = _PATTERN.match(str(value))
        if not match:
            raise ConfigError(
                f"`{name}` must be a duration like 90, '90s', '30m', '2h' or '1d', but got {value!r}."
            )
        seconds = float(match.group(1)) * _UNITS[(match.group(2) or "s").lower()]
    if not math.isfinite(seconds) or seconds <= 0:
        raise ConfigError(
            f"`{name}` must be > 0 seconds (and finite), but got {value!r}. "
            "Omit it for no limit."
        )
    return seconds
