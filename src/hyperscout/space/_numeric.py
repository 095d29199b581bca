"""The numeric parameter kinds: `Int`, `Float` and `Normal`.

Distributions are exactly NNI's for the NNI types (``randint``, ``uniform``, ``quniform``,
``loguniform``, ``qloguniform``, ``normal``, ``qnormal``, ``lognormal``, ``qlognormal``)
and Keras Tuner 1.4's for ``step`` grids and the ``log`` / ``reverse_log`` samplings:

- ``q`` (NNI): ``clip(round(x / q) * q, low, high)`` for Float, ``round(x / q) * q`` for
  Normal; ``round`` is round-half-to-even, as numpy's.
- ``step`` (Keras): the grid ``low + k * step`` (linear) or ``low * step ** k`` (log), each
  point equally likely; ``reverse_log`` mirrors the log grid: ``high + low - low * step ** k``.
- ``reverse_log`` without step (Keras): ``high + low - loguniform(low, high)``, dense near
  ``high``.
- Int without step: uniform over the integers for linear; for log, ``floor`` of a
  log-uniform draw on ``[low, high + 1)`` (Keras's ``prob_to_value``), so every integer is
  reachable and smaller ones are likelier.
"""

from __future__ import annotations

import math
from dataclasses import KW_ONLY, dataclass
from typing import Any

import numpy as np

from ..errors import SearchSpaceError
from ._base import Condition, Parameter
from ._transforms import from_unit, normal_from_unit
from ._values import as_integer, as_number, is_number

SAMPLINGS = ("linear", "log", "reverse_log")
_GRID_TOLERANCE = 1e-9  # relative slack when checking that a float lies on a grid


def _check_sampling(sampling: Any, name: str) -> str:
    if not isinstance(sampling, str) or sampling.lower() not in SAMPLINGS:
        raise SearchSpaceError(
            f"`sampling` must be one of {', '.join(SAMPLINGS)} for parameter {name!r}, but got "
            f"{sampling!r}."
        )
    return sampling.lower()


def _continuous(rng: np.random.Generator, low: float, high: float, sampling: str) -> float:
    """One draw on [low, high) under Keras's three samplings (NNI's uniform / loguniform)."""
    return from_unit(float(rng.random()), low, high, sampling)


def _check_range(low: Any, high: Any, name: str, *, allow_equal: bool) -> None:
    if low > high or (low == high and not allow_equal):
        relation = "<=" if allow_equal else "<"
        raise SearchSpaceError(
            f"`low` must be {relation} `high` for parameter {name!r}, but got low={low!r}, "
            f"high={high!r}. Swap them or widen the range."
        )


def _check_log_low(low: Any, sampling: str, name: str) -> None:
    if sampling != "linear" and low <= 0:
        raise SearchSpaceError(
            f"`low` must be > 0 for parameter {name!r} with {sampling} sampling, but got "
            f"low={low!r}. Raise `low` above 0 or use linear sampling."
        )


def _check_step(step: Any, sampling: str, name: str) -> None:
    if step <= 0:
        raise SearchSpaceError(
            f"`step` must be > 0 for parameter {name!r}, but got step={step!r}. "
            "Pass a positive step, or leave it out."
        )
    if sampling != "linear" and step <= 1:
        raise SearchSpaceError(
            f"`step` must be > 1 for parameter {name!r} with {sampling} sampling (values are "
            f"low * step ** k), but got step={step!r}. Pass a factor such as 2 or 10."
        )


def _check_default(param: Any) -> None:
    if param.default is None:
        object.__setattr__(param, "default", param.canonical(param._natural_default()))
    elif not param.contains(param.default):
        raise SearchSpaceError(
            f"`default` of parameter {param.name!r} must be a possible value of it ({param!r}), "
            f"but got {param.default!r}. Pick a value in range or leave the default out."
        )
    else:
        object.__setattr__(param, "default", param.canonical(param.default))


@dataclass(frozen=True, repr=False)
class Int(Parameter):
    """An integer in ``[low, high]`` (both included); NNI's ``randint(lower, upper)`` is
    ``Int(lower, upper - 1)``. With `step`, only the Keras grid values are possible. The
    default is `low`.

    Example:
        >>> Int("units", 32, 128, step=32).grid_values()
        (32, 64, 96, 128)
    """

    low: int
    high: int
    _: KW_ONLY
    step: int | None = None
    sampling: str = "linear"
    default: int | None = None
    condition: Condition | None = None
    kind = "int"

    def __post_init__(self) -> None:
        super().__post_init__()
        name = self.name
        low, high = as_integer(self.low, "low", name), as_integer(self.high, "high", name)
        sampling = _check_sampling(self.sampling, name)
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)
        object.__setattr__(self, "sampling", sampling)
        _check_range(low, high, name, allow_equal=True)
        _check_log_low(low, sampling, name)
        if self.step is not None:
            step = as_integer(self.step, "step", name)
            _check_step(step, sampling, name)
            object.__setattr__(self, "step", step)
        _check_default(self)

    def _natural_default(self) -> int:
        return self.value_at(0)  # `low`, or the smallest grid value (reverse_log may skip low)

    def _implicit(self) -> dict[str, Any]:
        return {"default": self._natural_default()}

    @property
    def size(self) -> int:
        if self.step is None:
            return self.high - self.low + 1
        if self.sampling == "linear":
            return (self.high - self.low) // self.step + 1
        n, value = 1, self.low  # exact integer count of low * step**k <= high
        while value * self.step <= self.high:
            value, n = value * self.step, n + 1
        return n

    def value_at(self, index: int) -> int:
        """The `index`-th value in ascending order (``0 <= index < size``)."""
        if self.step is None:
            return self.low + index
        if self.sampling == "linear":
            return self.low + index * self.step
        if self.sampling == "log":
            return self.low * self.step**index
        return self.high + self.low - self.low * self.step ** (self.size - 1 - index)

    def sample(self, rng: np.random.Generator) -> int:
        if self.step is not None or self.sampling == "linear":
            return self.value_at(int(rng.integers(self.size)))
        # Keras: a continuous draw on [low, high + 1), floored, so that `high` is reachable.
        x = _continuous(rng, self.low, self.high + 1, self.sampling)
        return min(max(math.floor(x), self.low), self.high)

    def contains(self, value: Any) -> bool:
        if not is_number(value) or not math.isfinite(value) or value != int(value):
            return False
        value = int(value)
        if not self.low <= value <= self.high:
            return False
        if self.step is None:
            return True
        return self.value_at(self._nearest_index(value)) == value

    def _nearest_index(self, value: float) -> int:
        if self.step is None:
            k = round(value - self.low)
        elif self.sampling == "linear":
            k = round((value - self.low) / self.step)
        elif self.sampling == "log":
            k = round(math.log(max(value, self.low) / self.low) / math.log(self.step))
        else:
            mirrored = max(self.high + self.low - value, self.low)
            k = self.size - 1 - round(math.log(mirrored / self.low) / math.log(self.step))
        return min(max(k, 0), self.size - 1)

    def canonical(self, value: Any) -> int:
        if not self.contains(value):
            raise self._not_contained(value)
        return int(value)

    def grid_values(self) -> tuple[int, ...]:
        return tuple(self.value_at(k) for k in range(self.size))


@dataclass(frozen=True, repr=False)
class Float(Parameter):
    """A real number in ``[low, high]``.

    `sampling` is ``"linear"`` (NNI ``uniform``), ``"log"`` (NNI ``loguniform``) or Keras's
    ``"reverse_log"``. `q` quantises as NNI's ``quniform`` / ``qloguniform`` do; `step` is
    Keras's grid. At most one of the two. Bounds keep the type they were given (so an NNI
    file round-trips unchanged); sampled values are always ``float``. The default is `low` (the smallest
    reachable value when `q` or a reverse_log grid cannot reach `low`).

    Example:
        >>> Float("x", 1, 10, q=3).grid_values()
        (1.0, 3.0, 6.0, 9.0)
    """

    low: float
    high: float
    _: KW_ONLY
    step: float | None = None
    q: float | None = None
    sampling: str = "linear"
    default: float | None = None
    condition: Condition | None = None
    kind = "float"

    def __post_init__(self) -> None:
        super().__post_init__()
        name = self.name
        low, high = as_number(self.low, "low", name), as_number(self.high, "high", name)
        sampling = _check_sampling(self.sampling, name)
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)
        object.__setattr__(self, "sampling", sampling)
        _check_range(low, high, name, allow_equal=False)
        _check_log_low(low, sampling, name)
        if self.step is not None and self.q is not None:
            raise SearchSpaceError(
                f"parameter {name!r} sets both `step` (Keras's grid) and `q` (NNI's "
                f"quantisation), but got step={self.step!r}, q={self.q!r}. Keep one of them."
            )
        if self.step is not None:
            object.__setattr__(self, "step", as_number(self.step, "step", name))
            _check_step(self.step, sampling, name)
        if self.q is not None:
            object.__setattr__(self, "q", as_number(self.q, "q", name))
            if self.q <= 0:
                raise SearchSpaceError(
                    f"`q` must be > 0 for parameter {name!r}, but got q={self.q!r}. Pass a "
                    "positive quantum, or leave it out for a continuous float."
                )
        _check_default(self)

    def _natural_default(self) -> float:
        if self.step is None and self.q is None:
            return float(self.low)
        return self.value_at(0)  # `low`, or the smallest value `q` / reverse_log can reach

    def _implicit(self) -> dict[str, Any]:
        return {"default": self._natural_default()}

    # -- the Keras step grid ---------------------------------------------------------------
    def _n_steps(self) -> int:
        assert self.step is not None
        if self.sampling == "linear":
            ratio = (self.high - self.low) / self.step
        else:
            ratio = math.log(self.high / self.low) / math.log(self.step)
        return math.floor(ratio + _GRID_TOLERANCE) + 1

    def value_at(self, index: int) -> float:
        """The `index`-th grid value in ascending order (only for `step` or `q`)."""
        if self.q is not None:
            k = round(self.low / self.q) + index
            return self._clip(k * self.q)
        assert self.step is not None, f"parameter {self.name!r} is continuous"
        if self.sampling == "linear":
            value = self.low + index * self.step
        elif self.sampling == "log":
            value = self.low * self.step**index
        else:
            value = self.high + self.low - self.low * self.step ** (self._n_steps() - 1 - index)
        return self._clip(value)

    def _clip(self, value: float) -> float:
        return float(min(max(value, self.low), self.high))

    def quantize(self, value: float) -> float:
        """NNI's ``clip(round(value / q) * q, low, high)``."""
        assert self.q is not None
        return self._clip(round(value / self.q) * self.q)

    @property
    def size(self) -> int | float:
        if self.q is not None:
            return round(self.high / self.q) - round(self.low / self.q) + 1
        if self.step is not None:
            return self._n_steps()
        return math.inf

    def nearest_index(self, value: float) -> int:
        """The index of the grid value closest to `value` (only for `step` or `q`)."""
        if self.q is not None:
            k = round(value / self.q) - round(self.low / self.q)
        elif self.sampling == "linear":
            k = round((value - self.low) / self.step)  # type: ignore[operator]
        elif self.sampling == "log":
            k = round(math.log(max(value, self.low) / self.low) / math.log(self.step))  # type: ignore[arg-type]
        else:
            mirrored = max(self.high + self.low - value, self.low)
            k = self._n_steps() - 1 - round(math.log(mirrored / self.low) / math.log(self.step))  # type: ignore[arg-type]
        return min(max(int(k), 0), int(self.size) - 1)

    def sample(self, rng: np.random.Generator) -> float:
        if self.step is not None:
            return self.value_at(int(rng.integers(self._n_steps())))
        x = _continuous(rng, self.low, self.high, self.sampling)
        return self.quantize(x) if self.q is not None else self._clip(x)

    def contains(self, value: Any) -> bool:
        if not is_number(value) or not math.isfinite(value):
            return False
        if self.step is None and self.q is None:
            return self.low <= value <= self.high
        # grid values carry float error (0.1 * 3 = 0.30000000000000004): compare with slack
        slack = _GRID_TOLERANCE * max(abs(self.low), abs(self.high), 1e-3)
        if not self.low - slack <= value <= self.high + slack:
            return False
        snapped = self.value_at(self.nearest_index(value))
        return math.isclose(snapped, value, rel_tol=_GRID_TOLERANCE, abs_tol=1e-12)

    def canonical(self, value: Any) -> float:
        if not self.contains(value):
            raise self._not_contained(value)
        if self.step is None and self.q is None:
            return float(value)
        return self.value_at(self.nearest_index(value))

    def grid_values(self) -> tuple[float, ...]:
        if self.step is None and self.q is None:
            raise SearchSpaceError(
                f"parameter {self.name!r} is a continuous float; grid search needs `q` or "
                "`step` (or a choice)."
            )
        return tuple(self.value_at(k) for k in range(int(self.size)))


@dataclass(frozen=True, repr=False)
class Normal(Parameter):
    """A normally distributed real (NNI ``normal``), or ``exp`` of one when `log` (NNI
    ``lognormal``); `q` rounds to multiples of `q` (``qnormal`` / ``qlognormal``). Unbounded,
    so it cannot be enumerated. The default is `mu` (``exp(mu)`` when `log`), quantised.
    """

    mu: float
    sigma: float
    _: KW_ONLY
    q: float | None = None
    log: bool = False
    default: float | None = None
    condition: Condition | None = None
    kind = "normal"

    def __post_init__(self) -> None:
        super().__post_init__()
        name = self.name
        object.__setattr__(self, "mu", as_number(self.mu, "mu", name))
        object.__setattr__(self, "sigma", as_number(self.sigma, "sigma", name))
        if self.sigma <= 0:
            raise SearchSpaceError(
                f"`sigma` must be > 0 for parameter {name!r}, but got sigma={self.sigma!r}. "
                "Pass a positive standard deviation."
            )
        if self.q is not None:
            object.__setattr__(self, "q", as_number(self.q, "q", name))
            if self.q <= 0:
                raise SearchSpaceError(
                    f"`q` must be > 0 for parameter {name!r}, but got q={self.q!r}. Pass a "
                    "positive quantum, or leave it out."
                )
        if not isinstance(self.log, (bool, np.bool_)):
            raise SearchSpaceError(
                f"`log` must be True or False for parameter {name!r}, but got {self.log!r}."
            )
        object.__setattr__(self, "log", bool(self.log))
        _check_default(self)

    def _natural_default(self) -> float:
        return self.quantize(math.exp(self.mu) if self.log else self.mu)

    def _implicit(self) -> dict[str, Any]:
        return {"default": self._natural_default()}

    def quantize(self, value: float) -> float:
        """NNI's ``round(value / q) * q`` (the value itself without `q`)."""
        return float(round(value / self.q) * self.q) if self.q is not None else float(value)

    def sample(self, rng: np.random.Generator) -> float:
        # inverse-CDF sampling: exactly normal, and the encoding can invert it bit for bit
        x = normal_from_unit(float(rng.random()), self.mu, self.sigma)
        return self.quantize(math.exp(x) if self.log else x)

    def contains(self, value: Any) -> bool:
        if not is_number(value) or not math.isfinite(value):
            return False
        if self.log and (value < 0 or (value == 0 and self.q is None)):
            return False
        if self.q is None:
            return True
        return math.isclose(self.quantize(value), value, rel_tol=_GRID_TOLERANCE, abs_tol=1e-12)

    def canonical(self, value: Any) -> float:
        if not self.contains(value):
            raise self._not_contained(value)
        return self.quantize(value)

    def grid_values(self) -> tuple[float, ...]:
        distribution = "lognormal" if self.log else "normal"
        raise SearchSpaceError(
            f"parameter {self.name!r} is a {distribution} distribution with unbounded support; "
            "grid search needs a bounded parameter (a choice, an Int, or a Float with `q` or "
            "`step`)."
        )

    @property
    def size(self) -> float:
        return math.inf
