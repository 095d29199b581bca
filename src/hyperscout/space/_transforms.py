"""Inverse-CDF transforms between the unit interval and a parameter's values.

Sampling draws ``u`` uniformly from [0, 1) and maps it through `from_unit`; the encoding maps
values back with `to_unit`. Sharing the one formula is what lets a sampled or decoded value
survive ``decode(encode(value))`` bit for bit (see `UnitEncoding`).
"""

from __future__ import annotations

import math

from scipy.special import ndtr, ndtri  # type: ignore[import-untyped]

_TINY = 5e-324  # the smallest positive double: keeps ndtri finite at u = 0


def from_unit(u: float, low: float, high: float, sampling: str) -> float:
    """The value at quantile `u` of Keras's linear / log / reverse_log sampling on
    [low, high]: ``uniform``, ``exp(uniform(log low, log high))`` or
    ``high + low - exp(uniform(log low, log high))``. The endpoints map exactly onto
    `low` and `high` (the formulas alone can miss them by an ulp)."""
    if u <= 0.0:
        return float(low)
    if u >= 1.0:
        return float(high)
    if sampling == "linear":
        return low + (high - low) * u
    log_low, log_high = math.log(low), math.log(high)
    if sampling == "log":
        return math.exp(log_low + (log_high - log_low) * u)
    return high + low - math.exp(log_low + (log_high - log_low) * (1.0 - u))


def to_unit(x: float, low: float, high: float, sampling: str) -> float:
    """The inverse of `from_unit` (the CDF of the sampling), clipped to [0, 1]."""
    if sampling == "linear":
        u = (x - low) / (high - low)
    else:
        log_low, span = math.log(low), math.log(high) - math.log(low)
        if sampling == "log":
            u = (math.log(max(x, low)) - log_low) / span
        else:
            u = 1.0 - (math.log(max(high + low - x, low)) - log_low) / span
    return min(max(u, 0.0), 1.0)


def normal_from_unit(u: float, mu: float, sigma: float) -> float:
    """The value at quantile `u` of normal(mu, sigma)."""
    return mu + sigma * float(ndtri(min(max(u, _TINY), 1.0 - 2.0**-53)))


def normal_to_unit(x: float, mu: float, sigma: float) -> float:
    """The CDF of normal(mu, sigma) at `x`."""
    if x == -math.inf:
        return 0.0
    return float(ndtr((x - mu) / sigma))
