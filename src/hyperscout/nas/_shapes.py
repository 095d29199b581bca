"""Shape checks of a model space on an example input, so a candidate that does not fit
fails when the space is built, naming the decision, the candidates and their shapes,
instead of deep in some trial's forward pass.

While checking, the supernet's forward runs every candidate of every `LayerChoice`, every
depth of every `Repeat` and every edge of every `Cell` on the tensors that reach it, and
compares what they produce; the result of the active choice flows on.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import torch

from ..errors import SearchSpaceError

if TYPE_CHECKING:
    from ._cell import Cell
    from ._primitives import InputChoice, LayerChoice, Repeat


class ShapeError(SearchSpaceError):
    """The candidates of a decision produce shapes that cannot stand in for each other."""


_LOCAL = threading.local()


def checking() -> bool:
    return getattr(_LOCAL, "checking", False)


@contextlib.contextmanager
def shape_checking() -> Iterator[None]:
    _LOCAL.checking = True
    try:
        yield
    finally:
        _LOCAL.checking = False


def shape_of(value: Any) -> Any:
    """A printable shape: a tuple for a tensor, a list of them for a sequence."""
    if isinstance(value, torch.Tensor):
        return tuple(value.shape)
    if isinstance(value, (list, tuple)):
        return [shape_of(v) for v in value]
    return type(value).__name__


def _run(module: Any, args: Sequence[Any], kwargs: dict[str, Any], what: str) -> Any:
    try:
        return module(*args, **kwargs)
    except ShapeError:
        raise
    except Exception as exc:  # any failure of user code, reported with where it happened
        shapes = ", ".join(str(shape_of(a)) for a in args)
        raise ShapeError(f"{what} fails on input of shape {shapes}: "
                         f"{type(exc).__name__}: {exc}") from exc


def _same(outputs: dict[Any, Any], what: str, fix: str) -> None:
    shapes = {name: shape_of(out) for name, out in outputs.items()}
    if len({repr(s) for s in shapes.values()}) > 1:
        listed = ", ".join(f"{name!r} -> {shape}" for name, shape in shapes.items())
        raise ShapeError(f"{what} produce different shapes: {listed}. {fix}")


def compare_candidates(choice: LayerChoice, args: Sequence[Any], kwargs: dict[str, Any]) -> Any:
    outputs = {name: _run(choice.candidates[str(name)], args, kwargs,
                          f"LayerChoice {choice.label!r} candidate {name!r}")
               for name in choice.names}
    _same(outputs, f"the candidates of LayerChoice {choice.label!r}",
          "Every candidate must produce the same shape from the same input.")
    return outputs[choice.active]


def check_inputs(choice: InputChoice, inputs: Sequence[torch.Tensor]) -> None:
    shapes = {i: shape_of(t) for i, t in enumerate(inputs)}
    if choice.reduction == "concat":
        shapes = {i: s[:1] + s[2:] if isinstance(s, tuple) else s for i, s in shapes.items()}
    if len({repr(s) for s in shapes.values()}) > 1:
        listed = ", ".join(f"input {i} -> {s}" for i, s in shapes.items())
        along = " (apart from dimension 1, along which they are concatenated)" \
            if choice.reduction == "concat" else ""
        raise ShapeError(
            f"the inputs of InputChoice {choice.label!r} have different shapes{along}: "
            f"{listed}. Every input it may choose must have the same shape.")


def check_depths(repeat: Repeat, x: Any) -> Any:
    outputs = {}
    if 0 in repeat.depths:
        outputs[0] = x
    for i, block in enumerate(repeat.blocks):
        x = _run(block, (x,), {}, f"Repeat {repeat.label!r} block {i}")
        if i + 1 in repeat.depths:
            outputs[i + 1] = x
    _same({f"depth {d}": out for d, out in outputs.items()},
          f"the depths of Repeat {repeat.label!r}",
          "A block past the smallest depth must keep the shape of its input.")
    return outputs[repeat.active]


def check_cell(cell: Cell, states: list[torch.Tensor]) -> None:
    """Run every edge of `cell` on what reaches it (every input and every node's output
    under the active wiring) and compare the candidates per slot."""
    states = list(states)
    for j, slots in enumerate(cell.active):
        outputs = {}
        for s in range(cell.n_ops_per_node):
            for p in range(cell.n_inputs + j):
                for name, op in cell.edges[f"{j}_{s}_{p}"].items():
                    what = f"Cell {cell.label!r} op {name!r} on predecessor {p} of node {j}"
                    outputs[f"{name} on predecessor {p}"] = _run(op, (states[p],), {}, what)
        _same(outputs, f"the operations of Cell {cell.label!r} node {j}",
              "Every op on every predecessor must produce the node's shape; give the "
              "cell's inputs the same shape, or build ops that adapt to predecessor p.")
        states.append(sum(outputs[f"{name} on predecessor {p}"] for p, name in slots))
