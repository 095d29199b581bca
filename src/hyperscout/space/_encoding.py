"""`UnitEncoding`: the one map between configs and points of the unit hypercube that every
model-based tuner uses (Gaussian processes, TPE, evolution, ...).

Each parameter owns a block of dimensions, in space order:

- a continuous Float or Normal: one dimension, its prior's CDF (linear / log / reverse_log
  for Float, the normal CDF for Normal, of ``log x`` for lognormal), so the prior is
  uniform on [0, 1];
- a quantised one (``q``, Int without step): one dimension, the middle of the value's cell
  of that CDF; decoding maps back and re-quantises;
- a grid (``step``), a Boolean, a Choice with ``choices="index"``: one dimension,
  ``(index + 0.5) / n``, decoded as ``floor(u * n)``;
- a Choice with ``choices="onehot"``: one dimension per value, decoded by argmax;
- a Fixed: no dimension.

Inactive parameters encode as 0.5 and are ignored when decoding, so every point decodes to
a valid config. ``decode(encode(c)) == c`` holds bit for bit for every config `sample` or
`decode` produced; for other continuous values it holds to within a few ulps (a float
between two reachable ones has no exact preimage).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import SearchSpaceError
from ._base import Parameter
from ._params import Boolean, Choice, Fixed, Float, Int, Normal
from ._space import Config, SearchSpace, as_space
from ._transforms import from_unit, normal_from_unit, normal_to_unit, to_unit

if TYPE_CHECKING:
    from ._snapping import Block

CHOICE_ENCODINGS = ("onehot", "index")
_SCAN_ULPS = 48  # neighbours of the CDF's value tried before the bracketing search


class UnitEncoding:
    """Encode configs of `space` as points of ``[0, 1] ** n_dims`` and decode them back.

    Args:
        space: a `SearchSpace` or anything `as_space` accepts.
        choices: ``"onehot"`` (one dimension per value) or ``"index"`` (one dimension).

    Example:
        >>> from hyperscout.space import Choice, Float
        >>> enc = UnitEncoding(SearchSpace([Float("x", 0, 10), Choice("c", ["a", "b"])]))
        >>> enc.n_dims, enc.encode({"x": 5.0, "c": "b"}).tolist()
        (3, [0.5, 0.0, 1.0])
    """

    def __init__(self, space: Any, *, choices: str = "onehot") -> None:
        if choices not in CHOICE_ENCODINGS:
            raise SearchSpaceError(f"`choices` must be 'onehot' or 'index', but got {choices!r}.")
        self.space: SearchSpace = as_space(space)
        self.choices = choices
        self.slices: dict[str, slice] = {}
        offset = 0
        for param in self.space:
            width = self._width(param)
            self.slices[param.name] = slice(offset, offset + width)
            offset += width
        self.n_dims = offset
        self._snapper: Any = None

    def _width(self, param: Parameter) -> int:
        if isinstance(param, Fixed):
            return 0
        if isinstance(param, Choice) and self.choices == "onehot":
            return param.size
        return 1

    def __repr__(self) -> str:
        return f"UnitEncoding(n_dims={self.n_dims}, choices={self.choices!r}, {len(self.space)} parameters)"

    # -- one config -------------------------------------------------------------------------
    def encode(self, config: Mapping[str, Any]) -> np.ndarray:
        """The point of a (valid) config; shape ``(n_dims,)``, inactive dimensions 0.5."""
        config = self.space.normalize(config)
        x = np.full(self.n_dims, 0.5)
        for param in self.space:
            if (
                param.name in config
                and self.slices[param.name].stop > self.slices[param.name].start
            ):
                x[self.slices[param.name]] = _encode(param, config[param.name], self.choices)
        return x

    def decode(self, x: Any) -> Config:
        """The config at point `x` (clipped into the unit cube): always valid, active
        parameters only."""
        x = np.asarray(x, dtype=float)
        if x.shape != (self.n_dims,):
            raise SearchSpaceError(
                f"a point of this encoding has shape ({self.n_dims},), but got {x.shape}."
            )
        if not np.all(np.isfinite(x)):
            raise SearchSpaceError(f"a point to decode must be finite, but got {x.tolist()}.")
        x = np.clip(x, 0.0, 1.0)
        config: Config = {}
        for param in self.space:  # parents come first, so activity is settled in order
            if self.space.is_active(param.name, config):
                config[param.name] = _decode(param, x[self.slices[param.name]], self.choices)
        return config

    def encode_value(self, param: Parameter, value: Any) -> Any:
        """The coordinate(s) of one value of `param` (a float, or a one-hot array)."""
        return _encode(param, value, self.choices)

    def decode_value(self, param: Parameter, u: float) -> Any:
        """The value of `param` at coordinate `u` (a one-dimension parameter)."""
        return _decode(param, np.array([u]), self.choices)

    # -- many -------------------------------------------------------------------------------
    def encode_many(self, configs: Iterable[Mapping[str, Any]]) -> np.ndarray:
        """Encode configs as the rows of an array of shape ``(n_configs, n_dims)``."""
        rows = [self.encode(config) for config in configs]
        return np.stack(rows) if rows else np.empty((0, self.n_dims))

    def decode_many(self, points: Any) -> list[Config]:
        """Decode the rows of an array of shape ``(n_points, n_dims)``."""
        points = np.asarray(points, dtype=float)
        if points.ndim != 2 or points.shape[1] != self.n_dims:
            raise SearchSpaceError(
                f"points to decode must have shape (n, {self.n_dims}), but got {points.shape}."
            )
        return [self.decode(row) for row in points]

    def snap(self, points: Any) -> np.ndarray:
        """The valid encoded point nearest each row of `points` (shape ``(n, n_dims)``), for
        thousands of rows at once: discrete coordinates move to the nearest value's point,
        one-hot blocks to their largest entry, inactive parameters to 0.5. Equals
        ``encode(decode(x))`` except within rounding of a cell's edge (see `_snapping`)."""
        points = np.asarray(points, dtype=float)
        if points.ndim != 2 or points.shape[1] != self.n_dims:
            raise SearchSpaceError(
                f"points to snap must have shape (n, {self.n_dims}), but got {points.shape}."
            )
        if not np.all(np.isfinite(points)):
            raise SearchSpaceError("points to snap must be finite, but some are NaN or infinite.")
        return self._get_snapper()(points)

    @property
    def blocks(self) -> list[Block]:
        """Each parameter's dimensions and kind (continuous, quantized, discrete, onehot)
        with, for a discrete one, its values' encoded points: what a tuner needs to move
        through the cube one parameter at a time."""
        return self._get_snapper().blocks

    def _get_snapper(self) -> Any:
        if self._snapper is None:  # built on first use: it tabulates discrete values
            from ._snapping import Snapper

            self._snapper = Snapper(self)
        return self._snapper


# -- per kind ------------------------------------------------------------------------------
def _index_to_unit(index: int, n: int) -> float:
    return (index + 0.5) / n


def _unit_to_index(u: float, n: int) -> int:
    return min(math.floor(u * n), n - 1)


def _encode(param: Parameter, value: Any, choices: str) -> Any:
    if isinstance(param, Choice):
        if choices == "onehot":
            onehot = np.zeros(param.size)
            onehot[param.index(value)] = 1.0
            return onehot
        return _index_to_unit(param.index(value), param.size)
    if isinstance(param, Boolean):
        return _index_to_unit(int(value), 2)
    if isinstance(param, Int):
        if param.step is not None:
            return _index_to_unit(param._nearest_index(value), param.size)
        # the cell [v, v + 1) of Keras's continuous draw on [low, high + 1)
        top = param.high + 1
        lo = to_unit(value, param.low, top, param.sampling)
        hi = to_unit(value + 1, param.low, top, param.sampling)
        return (lo + hi) / 2
    if isinstance(param, Float):
        return _encode_float(param, value)
    assert isinstance(param, Normal), param
    return _encode_normal(param, value)


def _decode(param: Parameter, block: np.ndarray, choices: str) -> Any:
    if isinstance(param, Fixed):
        return param.default
    if isinstance(param, Choice):
        if choices == "onehot":
            return param.canonical(param.values[int(np.argmax(block))])
        return param.canonical(param.values[_unit_to_index(float(block[0]), param.size)])
    u = float(block[0])
    if isinstance(param, Boolean):
        return bool(_unit_to_index(u, 2))
    if isinstance(param, Int):
        if param.step is not None:
            return param.value_at(_unit_to_index(u, param.size))
        x = from_unit(u, param.low, param.high + 1, param.sampling)
        return min(max(math.floor(x), param.low), param.high)
    if isinstance(param, Float):
        return _decode_float(param, u)
    assert isinstance(param, Normal), param
    return _decode_normal(param, u)


def _encode_float(param: Float, value: float) -> float:
    if param.step is not None:
        return _index_to_unit(param.nearest_index(value), int(param.size))
    if param.q is not None:
        # the cell of x that quantises to `value`: [(k - 1/2) q, (k + 1/2) q] within range
        k = round(value / param.q)
        lo = max(param.low, (k - 0.5) * param.q)
        hi = min(param.high, (k + 0.5) * param.q)
        return (
            to_unit(lo, param.low, param.high, param.sampling)
            + to_unit(hi, param.low, param.high, param.sampling)
        ) / 2
    u = to_unit(value, param.low, param.high, param.sampling)
    return _preimage(value, u, lambda v: _decode_float(param, v))


def _decode_float(param: Float, u: float) -> float:
    if param.step is not None:
        return param.value_at(_unit_to_index(u, int(param.size)))
    x = from_unit(u, param.low, param.high, param.sampling)
    return param.quantize(x) if param.q is not None else param._clip(x)


def _encode_normal(param: Normal, value: float) -> float:
    def z_unit(x: float) -> float:  # the normal CDF of x (of log x for lognormal)
        if param.log:
            x = math.log(x) if x > 0 else -math.inf
        return normal_to_unit(x, param.mu, param.sigma)

    if param.q is None:
        return _preimage(value, z_unit(value), lambda v: _decode_normal(param, v))
    k = round(value / param.q)
    return (z_unit((k - 0.5) * param.q) + z_unit((k + 0.5) * param.q)) / 2


def _decode_normal(param: Normal, u: float) -> float:
    x = normal_from_unit(u, param.mu, param.sigma)
    if param.log:
        x = math.exp(x)
    return param.quantize(x)


def _preimage(value: float, u0: float, decode: Callable[[float], float]) -> float:
    """A unit coordinate near `u0` that `decode` maps exactly to `value`, if there is one.

    `u0` (the CDF) inverts `decode` only up to rounding. First scan the floats next to `u0`
    (library quantile functions such as ``ndtri`` are monotone only up to an ulp or two);
    then, `decode` being non-decreasing at larger scales, walk away from `u0` with doubling
    steps until `value` is bracketed and bisect over floats. Returns `u0` when no float
    decodes exactly to `value`.
    """
    below = above = u0
    for _ in range(_SCAN_ULPS):
        for u in (above, below):
            if decode(u) == value:
                return u
        above, below = math.nextafter(above, 1.0), math.nextafter(below, 0.0)
    y0 = decode(u0)
    up = y0 < value
    step = math.ulp(u0)
    a = b = u0
    while True:
        c = min(u0 + step, 1.0) if up else max(u0 - step, 0.0)
        yc = decode(c)
        if yc == value:
            return c
        if (yc > value) == up:  # bracketed between the last point and c
            a, b = (a, c) if up else (c, b)
            break
        if c in (0.0, 1.0):
            return u0
        a, b = (c, b) if up else (a, c)
        step *= 2
    while True:
        m = a + (b - a) / 2
        if not a < m < b:
            return u0
        ym = decode(m)
        if ym == value:
            return m
        a, b = (m, b) if ym < value else (a, m)
