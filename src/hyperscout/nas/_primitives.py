"""The model-space primitives used inside an ordinary ``torch.nn.Module``: `LayerChoice`,
`InputChoice`, `ValueChoice` and `Repeat`.

Each is written where a plain module or value would be. While a space is traced, it
records its decision and builds a supernet module holding every candidate (set to one
choice at a time by `ModelSpace.activate`); while a space is frozen to an architecture, it
returns the plain chosen module or value, so the frozen model has no search machinery left.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch
from torch import nn

from ..errors import SearchSpaceError
from ..space import Condition
from ._context import BuildContext, context_or_trace

Candidates = Sequence[Any] | Mapping[str, Any]
MAX_SUBSETS = 1023  # InputChoice(n_chosen=None) over at most 10 inputs


def ValueChoice(candidates: Sequence[Any], *, label: str | None = None,
                default: Any = None) -> Any:
    """One of `candidates` (channels, a kernel size, an expansion ratio, any constructor
    argument): returns the plain value this construction uses, so arithmetic and any
    constructor work on it (``nn.Conv2d(c, 2 * ValueChoice([16, 32]), 3)``).

    The same `label` in several places is one shared decision (a width used by two
    layers). While tracing, the value is the default (the first candidate unless given).

    Example:
        >>> from hyperscout.nas import ModelSpace
        >>> space = ModelSpace(lambda: nn.Linear(4, ValueChoice([8, 16], label="width")))
        >>> space.freeze({"width": 16}).out_features
        16
    """
    if isinstance(candidates, (str, bytes, Mapping)) or not isinstance(candidates, Sequence):
        raise SearchSpaceError(
            f"ValueChoice {label!r} takes a list of candidates, but got {candidates!r}. "
            "Wrap a single value in a list.")
    values = list(candidates)
    if not values:
        raise SearchSpaceError(f"ValueChoice {label!r} needs at least one candidate, got none.")
    context = context_or_trace()
    full = context.label(label, "valuechoice")
    return context.decide(full, values, kind="ValueChoice", default=default)


def _named(candidates: Candidates, what: str, label: str | None) -> dict[Any, Any]:
    """Candidates by name: the keys of a mapping, the positions of a sequence."""
    if isinstance(candidates, Mapping):
        named = dict(candidates)
        bad = [k for k in named if not isinstance(k, str) or not k or "/" in k or "." in k]
        if bad:
            raise SearchSpaceError(
                f"{what} {label!r}: candidate names must be non-empty str without '/' or "
                f"'.', but got {bad!r}.")
    elif isinstance(candidates, Sequence) and not isinstance(candidates, (str, bytes)):
        named = dict(enumerate(candidates))
    else:
        raise SearchSpaceError(
            f"{what} {label!r} takes a list or a dict of candidates, but got {candidates!r}.")
    if not named:
        raise SearchSpaceError(f"{what} {label!r} needs at least one candidate, got none.")
    return named


def _build(candidate: Any, what: str) -> nn.Module:
    module = candidate() if callable(candidate) and not isinstance(candidate, nn.Module) \
        else candidate
    if not isinstance(module, nn.Module):
        raise SearchSpaceError(
            f"{what}: a candidate must be an nn.Module or a function returning one, but got "
            f"{module!r}.")
    return module


class LayerChoice(nn.Module):
    """One of several modules (NNI's ``LayerChoice``).

    `candidates` is a list (chosen by position) or a dict (by name) of modules, or of
    zero-argument functions that build one. Functions are built lazily: a frozen model
    builds only the chosen one, and decisions made inside a candidate get a label prefixed
    with ``"<label>/<name>/"`` and count only when that candidate is chosen.

    Traced, this is a supernet module whose forward runs the `active` candidate; frozen, it
    is the chosen module itself.

    Example:
        >>> from hyperscout.nas import ModelSpace
        >>> space = ModelSpace(lambda: LayerChoice({"relu": nn.ReLU(), "tanh": nn.Tanh()},
        ...                                        label="act"))
        >>> type(space.freeze({"act": "tanh"})).__name__
        'Tanh'
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if not args and not kwargs:  # copy and pickle
            return super().__new__(cls)
        return cls._construct(*args, **kwargs)

    @classmethod
    def _construct(cls, candidates: Candidates, *, label: str | None = None) -> Any:
        context = context_or_trace()
        full = context.label(label, "layerchoice")
        named = _named(candidates, "LayerChoice", full)
        choice = context.decide(full, list(named), kind="LayerChoice", ordered=False)
        if not context.freezing:
            self = nn.Module.__new__(cls)
            self._spec = (full, named, context)
            return self
        with context.scope(f"{full}/{choice}", None):
            return _build(named[choice], f"LayerChoice {full!r}")

    def __init__(self, candidates: Candidates, *, label: str | None = None) -> None:
        full, named, context = self.__dict__.pop("_spec")
        super().__init__()
        self.label = full
        self.names = list(named)
        built = {}
        for name, candidate in named.items():
            with context.scope(f"{full}/{name}", Condition(full, name)):
                built[str(name)] = _build(candidate, f"LayerChoice {full!r} candidate {name!r}")
        self.candidates = nn.ModuleDict(built)
        self.active = self.names[0]

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        from ._shapes import checking, compare_candidates

        if checking():
            return compare_candidates(self, args, kwargs)
        relaxed = self.__dict__.get("_relaxed")
        if relaxed is not None:  # a one-shot strategy mixes the candidates
            return relaxed(self, *args, **kwargs)
        return self.candidates[str(self.active)](*args, **kwargs)


class InputChoice(nn.Module):
    """Pick `n_chosen` of `n_candidates` inputs and reduce them (skip connections; NNI's
    ``InputChoice``). `n_chosen` None means any non-empty subset.

    Its forward takes the list of candidate tensors; `reduction` is ``"sum"``, ``"mean"``,
    ``"concat"`` (along dimension 1) or ``"none"`` (the list of chosen tensors). The
    decision's values are the chosen indices: an int for ``n_chosen=1``, else a sorted list.
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if not args and not kwargs:  # copy and pickle
            return super().__new__(cls)
        return cls._construct(*args, **kwargs)

    @classmethod
    def _construct(cls, n_candidates: int, n_chosen: int | None = 1, *, reduction: str = "sum",
                label: str | None = None) -> Any:
        context = context_or_trace()
        full = context.label(label, "inputchoice")
        values = _input_options(n_candidates, n_chosen, reduction, full)
        choice = context.decide(full, values, kind="InputChoice", ordered=False)
        if context.freezing:
            return SelectedInputs(choice, reduction)
        self = nn.Module.__new__(cls)
        self._spec = (full, values, choice)
        return self

    def __init__(self, n_candidates: int, n_chosen: int | None = 1, *, reduction: str = "sum",
                 label: str | None = None) -> None:
        full, values, choice = self.__dict__.pop("_spec")
        super().__init__()
        self.label, self.n_candidates, self.n_chosen = full, n_candidates, n_chosen
        self.reduction, self.options, self.active = reduction, values, choice

    def forward(self, inputs: Sequence[torch.Tensor]) -> Any:
        from ._shapes import check_inputs, checking

        if len(inputs) != self.n_candidates:
            raise SearchSpaceError(
                f"InputChoice {self.label!r} was declared with n_candidates="
                f"{self.n_candidates} but its forward got {len(inputs)} inputs.")
        if checking():
            check_inputs(self, inputs)
        relaxed = self.__dict__.get("_relaxed")
        if relaxed is not None:
            return relaxed(self, inputs)
        return _reduce([inputs[i] for i in _indices(self.active)], self.reduction)


class SelectedInputs(nn.Module):
    """A frozen `InputChoice`: the fixed `indices` of its inputs, reduced."""

    def __init__(self, indices: int | Sequence[int], reduction: str) -> None:
        super().__init__()
        self.indices = _indices(indices)
        self.reduction = reduction

    def forward(self, inputs: Sequence[torch.Tensor]) -> Any:
        return _reduce([inputs[i] for i in self.indices], self.reduction)

    def extra_repr(self) -> str:
        return f"indices={self.indices}, reduction={self.reduction!r}"


REDUCTIONS = ("sum", "mean", "concat", "none")


def _input_options(n: Any, k: Any, reduction: str, label: str) -> list[Any]:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise SearchSpaceError(
            f"InputChoice {label!r}: `n_candidates` must be a whole number >= 1, got {n!r}.")
    if reduction not in REDUCTIONS:
        raise SearchSpaceError(
            f"InputChoice {label!r}: `reduction` must be one of {REDUCTIONS}, got "
            f"{reduction!r}.")
    if k is None:
        if n > 10:
            raise SearchSpaceError(
                f"InputChoice {label!r}: n_chosen=None over {n} inputs has 2**{n} - 1 "
                "subsets; at most 10 inputs. Give `n_chosen`, or split the choice.")
        return [list(c) for r in range(1, n + 1) for c in itertools.combinations(range(n), r)]
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= n:
        raise SearchSpaceError(
            f"InputChoice {label!r}: `n_chosen` must be between 1 and n_candidates={n}, or "
            f"None for any subset, but got {k!r}.")
    if k == 1:
        return list(range(n))
    return [list(c) for c in itertools.combinations(range(n), k)]


def _indices(choice: int | Sequence[int]) -> list[int]:
    return [choice] if isinstance(choice, int) else list(choice)


def _reduce(tensors: list[torch.Tensor], reduction: str) -> Any:
    if reduction == "none":
        return tensors
    if reduction == "concat":
        return torch.cat(tensors, dim=1)
    total = tensors[0]
    for t in tensors[1:]:
        total = total + t
    return total / len(tensors) if reduction == "mean" else total


class Repeat(nn.Module):
    """`block` repeated a chosen number of times (depth), as one ``nn.Sequential``.

    `block` is a module factory called with the block's index (``block(i)``), so each
    repetition has its own weights and its own decisions, labelled ``"<label>/<i>/..."``.
    `depth` is an int, a ``(min, max)`` pair or a list of depths. Blocks past the smallest
    depth, and the decisions inside them, count only when the depth reaches them.

    Example:
        >>> from hyperscout.nas import ModelSpace
        >>> space = ModelSpace(lambda: Repeat(lambda i: nn.Linear(4, 4), (1, 3), label="n"))
        >>> len(space.freeze({"n": 2}))
        2
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if not args and not kwargs:  # copy and pickle
            return super().__new__(cls)
        return cls._construct(*args, **kwargs)

    @classmethod
    def _construct(cls, block: Callable[[int], nn.Module], depth: int | tuple[int, int] | list[int],
                *, label: str | None = None) -> Any:
        context = context_or_trace()
        full = context.label(label, "repeat")
        depths = _depths(depth, full)
        chosen = context.decide(full, depths, kind="Repeat", ordered=True) \
            if len(depths) > 1 else depths[0]
        if context.freezing:
            return nn.Sequential(*_blocks(block, chosen, depths, full, context))
        self = nn.Module.__new__(cls)
        self._spec = (full, depths, chosen, _blocks(block, max(depths), depths, full, context))
        return self

    def __init__(self, block: Callable[[int], nn.Module], depth: int | tuple[int, int] | list[int],
                 *, label: str | None = None) -> None:
        full, depths, chosen, blocks = self.__dict__.pop("_spec")
        super().__init__()
        self.label, self.depths, self.active = full, depths, chosen
        self.blocks = nn.ModuleList(blocks)

    def forward(self, x: Any) -> Any:
        from ._shapes import check_depths, checking

        if checking():
            return check_depths(self, x)
        relaxed = self.__dict__.get("_relaxed")
        if relaxed is not None:
            return relaxed(self, x)
        for block in self.blocks[: self.active]:
            x = block(x)
        return x


def _depths(depth: Any, label: str) -> list[int]:
    if isinstance(depth, int) and not isinstance(depth, bool):
        depths = [depth]
    elif isinstance(depth, tuple) and len(depth) == 2:
        depths = list(range(depth[0], depth[1] + 1))
    elif isinstance(depth, list):
        depths = sorted(set(depth))
    else:
        raise SearchSpaceError(
            f"Repeat {label!r}: `depth` must be an int, a (min, max) tuple or a list of ints, "
            f"but got {depth!r}.")
    if not depths or any(isinstance(d, bool) or not isinstance(d, int) or d < 0
                         for d in depths):
        raise SearchSpaceError(
            f"Repeat {label!r}: depths must be whole numbers >= 0 (and max >= min), but got "
            f"{depth!r}.")
    return depths


def _blocks(block: Callable[[int], nn.Module], n: int, depths: list[int], label: str,
            context: BuildContext) -> list[nn.Module]:
    blocks = []
    for i in range(n):
        needs = [d for d in depths if d > i]
        condition = Condition(label, needs) if len(needs) < len(depths) else None
        with context.scope(f"{label}/{i}", condition):
            blocks.append(_build(block(i), f"Repeat {label!r} block {i}"))
    return blocks
