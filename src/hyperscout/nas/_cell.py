"""`Cell`: a DAG-style cell (as in NASNet, ENAS and DARTS) whose wiring and operations are
searched.

A cell takes `n_inputs` tensors (usually the outputs of the two previous cells). It has
`n_nodes` nodes; node ``j`` sums `n_ops_per_node` operations, each applied to one input
chosen among the cell's inputs and the nodes before ``j``. The cell returns its nodes'
outputs concatenated along dimension 1 (all nodes, or only those no other node reads:
``merge="loose_end"``).

Decisions, per node ``j`` and slot ``s``: ``"<label>/input_j_s"`` (which predecessor, 0..
``n_inputs + j - 1``; the cell's inputs come first) and ``"<label>/op_j_s"`` (which
operation). Traced, the cell holds one set of candidate operations per (node, slot,
predecessor) edge, as DARTS's supernet does; frozen, only the chosen ones.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch
from torch import nn

from ..errors import SearchSpaceError
from ._context import BuildContext, context_or_trace

OpFactory = Callable[[int], nn.Module]
"""Builds one candidate operation for an edge from predecessor ``p`` (an int: below
`n_inputs` a cell input, else node ``p - n_inputs``), so a reduction cell can give its
inputs a stride of 2."""
MERGES = ("all", "loose_end")


class Cell(nn.Module):
    """A searchable DAG cell (see the module docstring).

    Args:
        op_candidates: operation name -> factory ``f(predecessor) -> nn.Module``.
        n_nodes: intermediate nodes.
        n_ops_per_node: operations summed at each node (DARTS and ENAS use 2).
        n_inputs: tensors the forward takes.
        merge: ``"all"`` or ``"loose_end"``.
        label: the prefix of the cell's decisions.

    Example:
        >>> from hyperscout.nas import ModelSpace
        >>> ops = {"conv": lambda p: nn.Conv2d(8, 8, 3, padding=1), "skip": lambda p: nn.Identity()}
        >>> space = ModelSpace(lambda: Cell(ops, n_nodes=2, n_inputs=1, label="cell"))
        >>> sorted(space.search_space.names)
        ['cell/input_0_0', 'cell/input_1_0', 'cell/op_0_0', 'cell/op_1_0']
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if not args and not kwargs:  # copy and pickle
            return super().__new__(cls)
        return cls._construct(*args, **kwargs)

    @classmethod
    def _construct(cls, op_candidates: Mapping[str, OpFactory], n_nodes: int, *,
                   n_ops_per_node: int = 1, n_inputs: int = 2, merge: str = "all",
                   label: str | None = None) -> Any:
        context = context_or_trace()
        full = context.label(label, "cell")
        _check(op_candidates, n_nodes, n_ops_per_node, n_inputs, merge, full)
        names = list(op_candidates)
        wiring = []  # per node, per slot: (chosen predecessor, chosen op name)
        for j in range(n_nodes):
            wiring.append([(context.decide(f"{full}/input_{j}_{s}", list(range(n_inputs + j)),
                                           kind="Cell input", ordered=False),
                            context.decide(f"{full}/op_{j}_{s}", names, kind="Cell op",
                                           ordered=False))
                           for s in range(n_ops_per_node)])
        if context.freezing:
            return FrozenCell(op_candidates, wiring, n_inputs=n_inputs, merge=merge)
        self = nn.Module.__new__(cls)
        self._spec = (full, names, wiring, context)
        return self

    def __init__(self, op_candidates: Mapping[str, OpFactory], n_nodes: int, *,
                 n_ops_per_node: int = 1, n_inputs: int = 2, merge: str = "all",
                 label: str | None = None) -> None:
        full, names, wiring, context = self.__dict__.pop("_spec")
        super().__init__()
        self.label, self.names, self.n_inputs, self.merge = full, names, n_inputs, merge
        self.n_nodes, self.n_ops_per_node = n_nodes, n_ops_per_node
        self.active = wiring
        # edges[f"{j}_{s}_{p}"][name]: the candidate op of slot (j, s) reading predecessor p
        self.edges = nn.ModuleDict({
            f"{j}_{s}_{p}": nn.ModuleDict({name: _op(op_candidates[name], p, full, context)
                                           for name in names})
            for j in range(n_nodes) for s in range(n_ops_per_node)
            for p in range(n_inputs + j)})

    def forward(self, inputs: Sequence[torch.Tensor]) -> torch.Tensor:
        from ._shapes import check_cell, checking

        states = _inputs(inputs, self.n_inputs, self.label)
        if checking():
            check_cell(self, states)
        relaxed = self.__dict__.get("_relaxed")
        if relaxed is not None:
            return relaxed(self, states)
        for j, slots in enumerate(self.active):
            states.append(_sum([self.edges[f"{j}_{s}_{p}"][name](states[p])
                                for s, (p, name) in enumerate(slots)]))
        return _merge(states, self.active, self.n_inputs, self.merge)


class FrozenCell(nn.Module):
    """A `Cell` with fixed wiring: only the chosen operations, no decisions left."""

    def __init__(self, op_candidates: Mapping[str, OpFactory],
                 wiring: Sequence[Sequence[tuple[int, str]]], *, n_inputs: int,
                 merge: str) -> None:
        super().__init__()
        self.wiring = [[(int(p), str(name)) for p, name in slots] for slots in wiring]
        self.n_inputs, self.merge = n_inputs, merge
        self.ops = nn.ModuleList(nn.ModuleList(op_candidates[name](p) for p, name in slots)
                                 for slots in self.wiring)

    def forward(self, inputs: Sequence[torch.Tensor]) -> torch.Tensor:
        states = _inputs(inputs, self.n_inputs, "frozen cell")
        for slots, ops in zip(self.wiring, self.ops):
            states.append(_sum([op(states[p]) for (p, _), op in zip(slots, ops)]))
        return _merge(states, self.wiring, self.n_inputs, self.merge)

    def extra_repr(self) -> str:
        return f"wiring={self.wiring}, merge={self.merge!r}"


def _op(factory: OpFactory, predecessor: int, label: str, context: BuildContext) -> nn.Module:
    with context.scope(f"{label}/edge", None):  # decisions inside ops are not supported
        module = factory(predecessor)
    if not isinstance(module, nn.Module):
        raise SearchSpaceError(
            f"Cell {label!r}: an op factory must return an nn.Module, but got {module!r}.")
    return module


def _inputs(inputs: Any, n: int, label: str) -> list[torch.Tensor]:
    if isinstance(inputs, torch.Tensor):
        inputs = [inputs]
    states = list(inputs)
    if len(states) != n:
        raise SearchSpaceError(f"Cell {label!r} takes {n} inputs, but got {len(states)}.")
    return states


def _sum(tensors: list[torch.Tensor]) -> torch.Tensor:
    total = tensors[0]
    for t in tensors[1:]:
        total = total + t
    return total


def _merge(states: list[torch.Tensor], wiring: Sequence[Sequence[tuple[int, str]]],
           n_inputs: int, merge: str) -> torch.Tensor:
    nodes = list(range(n_inputs, len(states)))
    if merge == "loose_end":
        read = {p for slots in wiring for p, _ in slots}
        nodes = [k for k in nodes if k not in read] or nodes[-1:]
    return torch.cat([states[k] for k in nodes], dim=1)


def _check(ops: Any, n_nodes: Any, n_ops: Any, n_inputs: Any, merge: Any, label: str) -> None:
    if not isinstance(ops, Mapping) or not ops or not all(callable(f) for f in ops.values()):
        raise SearchSpaceError(
            f"Cell {label!r}: `op_candidates` must be a non-empty dict of name -> "
            f"factory(predecessor) returning an nn.Module, but got {ops!r}.")
    bad = [k for k in ops if not isinstance(k, str) or not k or "/" in k or "." in k]
    if bad:
        raise SearchSpaceError(
            f"Cell {label!r}: op names must be non-empty str without '/' or '.', but got "
            f"{bad!r}.")
    for name, value in (("n_nodes", n_nodes), ("n_ops_per_node", n_ops), ("n_inputs", n_inputs)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise SearchSpaceError(
                f"Cell {label!r}: `{name}` must be a whole number >= 1, but got {value!r}.")
    if merge not in MERGES:
        raise SearchSpaceError(
            f"Cell {label!r}: `merge` must be one of {MERGES}, but got {merge!r}.")
