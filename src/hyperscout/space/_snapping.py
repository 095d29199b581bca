"""Vectorised snapping of unit-cube points onto valid encoded configs.

A model-based tuner that searches the unit cube (a GP maximising its acquisition, say)
must score points that a config can have: a one-hot block with one 1, an integer at its
cell, inactive parameters at 0.5. Decoding and re-encoding does this exactly but costs a
Python loop per point; `Snapper` does it for thousands of points at once with numpy:

- a continuous parameter keeps its coordinate;
- a quantised one with too many values to tabulate (a Normal with ``q``, a huge Int) is
  decoded and re-encoded coordinate by coordinate;
- a discrete parameter with one dimension (Int, quantised or stepped Float, Boolean, an
  index-encoded Choice) moves to the nearest encoded value of the values it can take;
- a one-hot Choice becomes the one-hot vector of its largest coordinate;
- a parameter whose condition fails is set to 0.5, as `UnitEncoding.encode` does.

The result is always a valid encoded point. It equals ``encode(decode(x))`` except within
rounding of a cell's edge, where a coordinate may go to the neighbouring value instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ._params import Boolean, Choice, Float, Int
from ._values import identity_key

if TYPE_CHECKING:
    from ._encoding import UnitEncoding

_MAX_TABLE = 4096  # discrete parameters with more values than this are snapped as continuous

CONTINUOUS, QUANTIZED, DISCRETE, ONEHOT = "continuous", "quantized", "discrete", "onehot"


@dataclass(frozen=True)
class Block:
    """One parameter's dimensions in the encoding and how they snap.

    `centers` (discrete only) are the sorted encoded values; `values[i]` is the value of
    `centers[i]` (one-hot: of dimension i)."""

    name: str
    dims: slice
    kind: str
    centers: np.ndarray | None = None
    values: tuple[Any, ...] = ()

    @property
    def width(self) -> int:
        return self.dims.stop - self.dims.start


def blocks(encoding: UnitEncoding) -> list[Block]:
    """The snapping layout of every parameter with at least one dimension, in space order."""
    out = []
    for param in encoding.space:
        dims = encoding.slices[param.name]
        if dims.stop == dims.start:
            continue
        if isinstance(param, Choice) and encoding.choices == "onehot":
            out.append(Block(param.name, dims, ONEHOT, values=tuple(param.values)))
            continue
        values = _finite_values(param)
        if values is None:
            kind = QUANTIZED if _is_quantized(param) else CONTINUOUS
            out.append(Block(param.name, dims, kind))
            continue
        encoded = [float(encoding.encode_value(param, v)) for v in values]
        order = np.argsort(encoded, kind="stable")
        centers: list[float] = []
        kept: list[Any] = []
        for i in order:  # two values with one encoded point (clipped q grids) keep one
            if not centers or encoded[i] > centers[-1]:
                centers.append(encoded[i])
                kept.append(values[i])
        out.append(Block(param.name, dims, DISCRETE, np.array(centers), tuple(kept)))
    return out


def _finite_values(param: Any) -> list[Any] | None:
    """Every value a one-dimension discrete parameter takes, or None (continuous, or too
    many values to tabulate)."""
    if isinstance(param, Boolean):
        return [False, True]
    if isinstance(param, Choice):
        return list(param.values)
    if isinstance(param, Int) or (isinstance(param, Float) and param.size != math.inf):
        size = param.size
        if size > _MAX_TABLE:
            return None
        return [param.value_at(i) for i in range(int(size))]
    return None  # a continuous Float or Normal, a quantised Normal


def _is_quantized(param: Any) -> bool:
    return getattr(param, "q", None) is not None or isinstance(param, Int) or (
        isinstance(param, Float) and param.step is not None)


class Snapper:
    """`snap(points)`: the valid encoded point nearest each row (see the module docstring)."""

    def __init__(self, encoding: UnitEncoding) -> None:
        self.space = encoding.space
        self.blocks = blocks(encoding)
        self._by_name = {b.name: b for b in self.blocks}
        # per conditional block: (parent block, mask over the parent's values that allow it)
        self._conditions: dict[str, tuple[Block, np.ndarray]] = {}
        self.exact = False  # a condition on a parent without a value table: decode per row
        for b in self.blocks:
            condition = self.space[b.name].condition
            if condition is None:
                continue
            parent = self._by_name.get(condition.parent)
            if parent is None or parent.kind not in (DISCRETE, ONEHOT):
                self.exact = True
                continue
            allowed = {identity_key(v) for v in condition.values}
            mask = np.array([identity_key(v) in allowed for v in parent.values])
            self._conditions[b.name] = (parent, mask)
        self._encoding = encoding

    def __call__(self, points: np.ndarray) -> np.ndarray:
        points = np.clip(np.asarray(points, dtype=float), 0.0, 1.0)
        if points.ndim != 2:
            raise ValueError(f"points to snap must be 2-D, but got shape {points.shape}")
        if self.exact:
            return self._encoding.encode_many(self._encoding.decode_many(points))
        out = points.copy()
        index: dict[str, np.ndarray] = {}  # each discrete block's value index per row
        active: dict[str, np.ndarray] = {}
        n = len(points)
        for b in self.blocks:  # parents come first in space order
            block = points[:, b.dims]
            if b.kind == ONEHOT:
                idx = np.argmax(block, axis=1)
                out[:, b.dims] = np.eye(b.width)[idx]
                index[b.name] = idx
            elif b.kind == DISCRETE:
                assert b.centers is not None
                edges = (b.centers[1:] + b.centers[:-1]) / 2
                idx = np.searchsorted(edges, block[:, 0])
                out[:, b.dims.start] = b.centers[idx]
                index[b.name] = idx
            elif b.kind == QUANTIZED:
                param = self.space[b.name]
                encode, decode = self._encoding.encode_value, self._encoding.decode_value
                out[:, b.dims.start] = [encode(param, decode(param, u)) for u in block[:, 0]]
            if b.name in self._conditions:
                parent, mask = self._conditions[b.name]
                on = active.get(parent.name, np.ones(n, dtype=bool)) & mask[index[parent.name]]
                active[b.name] = on
                out[~on, b.dims] = 0.5
        return out

