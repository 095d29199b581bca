"""`ModelSpace`: a PyTorch model with search primitives inside, as a hyperscout search
space (so every tuner searches it) and as a factory of frozen models.

A model space is a factory (an ``nn.Module`` subclass or any function returning a module)
and its arguments. Tracing constructs it once with every candidate, recording each
decision as a `Choice` of the search space; freezing constructs it again with every
decision read from an architecture, building only what it chose. An architecture is a
plain dict of label -> value: what a trial gets as its parameters, and what
`save_architecture` writes as JSON.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from ..errors import SearchSpaceError
from ..space import SearchSpace, as_space
from ._cell import Cell
from ._context import BuildContext, building
from ._primitives import InputChoice, LayerChoice, Repeat
from ._shapes import ShapeError, shape_checking, shape_of

Architecture = dict[str, Any]


@contextlib.contextmanager
def single_threaded() -> Iterator[None]:
    """Run torch on one thread: the engine forks its workers from this process, and a
    forked child deadlocks in torch's OpenMP pool if the parent ever used it with more."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


class ModelSpace:
    """A model space: `factory(*args, **kwargs)` built with search primitives.

    Args:
        factory: an ``nn.Module`` subclass (or function) whose construction uses
            `LayerChoice`, `InputChoice`, `ValueChoice`, `Repeat` or `Cell`.
        example_input: a tensor (or tuple of tensors) the model takes. When given, the
            space is checked on it at once: every candidate of every decision must run
            and produce interchangeable shapes (`ShapeError` otherwise, naming them), and
            every value of every `ValueChoice` must give a model that runs.
        hyperparameters: more parameters searched with the architecture (a search space
            in any form `as_space` takes: learning rate, batch size, ...). They join the
            search space and the architecture dict; the evaluator reads them there, and
            freezing ignores them.
        *args, **kwargs: passed to `factory`.

    For multi-trial search in worker processes, `factory` should be importable (a class
    or function at module level), as should anything in `args`.

    Example:
        >>> from hyperscout.nas import LayerChoice, ValueChoice
        >>> class Net(nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         width = ValueChoice([8, 16], label="width")
        ...         self.body = nn.Sequential(nn.Linear(4, width), LayerChoice(
        ...             {"relu": nn.ReLU(), "tanh": nn.Tanh()}, label="act"))
        ...         self.head = nn.Linear(width, 2)
        ...     def forward(self, x):
        ...         return self.head(self.body(x))
        >>> space = ModelSpace(Net, example_input=torch.zeros(3, 4))
        >>> space.search_space.names
        ('width', 'act')
        >>> space.freeze({"width": 16, "act": "tanh"})(torch.zeros(3, 4)).shape
        torch.Size([3, 2])
    """

    def __init__(self, factory: Callable[..., nn.Module], *args: Any,
                 example_input: Any = None, hyperparameters: Any = None,
                 **kwargs: Any) -> None:
        if not callable(factory):
            raise SearchSpaceError(
                f"`factory` of a ModelSpace must be an nn.Module class or a function that "
                f"returns a module, but got {factory!r}.")
        self.factory, self.args, self.kwargs = factory, args, kwargs
        self.example_input = example_input
        self.hyperparameters = as_space(hyperparameters) if hyperparameters else None
        self._space: SearchSpace | None = None
        self._labels: frozenset[str] = frozenset()
        self._kinds: dict[str, str] = {}
        if example_input is not None:
            self.check(example_input)

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_space": None, "_kinds": {}}  # traced again when needed

    def __repr__(self) -> str:
        name = getattr(self.factory, "__qualname__", repr(self.factory))
        return f"ModelSpace({name}, {len(self.search_space)} decisions)"

    # -- the search space ------------------------------------------------------------------
    def _construct(self, context: BuildContext) -> nn.Module:
        with single_threaded(), building(context):
            model = self.factory(*self.args, **self.kwargs)
        if not isinstance(model, nn.Module):
            raise SearchSpaceError(
                f"the factory of a ModelSpace must return an nn.Module, but "
                f"{self.factory!r} returned {model!r}.")
        return model

    def supernet(self, values: Mapping[str, Any] | None = None) -> nn.Module:
        """The model with every candidate built, set to the default architecture: the
        weight-sharing network of one-shot search. `activate` switches its choices.

        `values` builds some decisions at other values than their defaults (a
        `ValueChoice` fixes the shapes of the weights it sizes, so a supernet holds one
        value of each; see `SharedSupernet` for sharing weights across them)."""
        if values:
            _ = self.search_space  # traced once at the defaults first: the labels to check
            unknown = sorted(set(values) - self._labels)
            if unknown:
                raise SearchSpaceError(
                    f"`values` names {unknown}, which are not decisions of this model space "
                    f"(it has: {', '.join(sorted(self._labels))}).")
        context = BuildContext(values=values)
        model = self._construct(context)
        if self._space is None:
            self._space = self._as_search_space(context)
            self._kinds = dict(context.kinds)
        return model

    @property
    def decision_kinds(self) -> dict[str, str]:
        """Each decision's label -> the primitive that made it (``"LayerChoice"``,
        ``"InputChoice"``, ``"ValueChoice"``, ``"Repeat"``, ``"Cell input"``, ``"Cell
        op"``); hyperparameters are not decisions."""
        _ = self.search_space  # the trace that records the kinds
        return dict(self._kinds)

    def _as_search_space(self, context: BuildContext) -> SearchSpace:
        params = list(context.params.values())
        self._labels = frozenset(context.params)
        extra = list(self.hyperparameters or ())
        clash = sorted(self._labels & {p.name for p in extra})
        if clash:
            raise SearchSpaceError(
                f"hyperparameter(s) {clash} have the names of decisions of the model space; "
                "rename them (or the decisions' labels).")
        return SearchSpace(params + extra)

    @property
    def search_space(self) -> SearchSpace:
        """The decisions as a `SearchSpace` of choices, in construction order, with the
        conditions that nesting implies."""
        if self._space is None:
            self.supernet()
        assert self._space is not None
        return self._space

    def default_architecture(self) -> Architecture:
        return dict(self.search_space.defaults())

    def random_architecture(self, seed: int | None = None) -> Architecture:
        return dict(self.search_space.sample(np.random.default_rng(seed)))

    def validate(self, arch: Mapping[str, Any]) -> Architecture:
        """`arch` in canonical form; `SearchSpaceError` naming what is wrong otherwise."""
        if not isinstance(arch, Mapping):
            raise SearchSpaceError(
                f"an architecture must be a dict of label -> value, but got {arch!r}.")
        return dict(self.search_space.normalize(arch))

    # -- frozen models ---------------------------------------------------------------------
    def freeze(self, arch: Mapping[str, Any]) -> nn.Module:
        """The plain model of architecture `arch`: only the chosen candidates are built
        and no search primitive is left in it."""
        full = self.validate(arch)
        context = BuildContext({k: v for k, v in full.items() if k in self._labels})
        model = self._construct(context)
        unused = set(context.arch or {}) - context.used
        if unused:
            raise SearchSpaceError(
                f"the model space did not use the architecture's choice(s) "
                f"{sorted(unused)} when built with it: its construction depends on more than "
                "its decisions (random numbers or global state?). Build it deterministically.")
        return model

    # -- checks ----------------------------------------------------------------------------
    def check(self, example_input: Any) -> None:
        """Run the supernet on `example_input` with every candidate compared, then a model
        for each value of each decision that the supernet cannot run side by side."""
        inputs = example_input if isinstance(example_input, tuple) else (example_input,)
        model = self.supernet()
        try:
            with single_threaded(), torch.no_grad(), shape_checking():
                model.eval()(*inputs)
        except SearchSpaceError:
            raise
        except Exception as exc:  # the model itself, outside any decision
            raise ShapeError(
                f"the model space fails on `example_input` of shape {shape_of(list(inputs))} "
                f"at its defaults: {type(exc).__name__}: {exc}. Give an input the model "
                "takes (batch first), or fix the layers around the decisions.") from exc
        defaults = self.default_architecture()
        side_by_side = {m.label for m in model.modules()
                        if isinstance(m, (LayerChoice, Repeat))
                        or (isinstance(m, Cell) and m.merge == "all") or (
                            isinstance(m, InputChoice)
                            and (m.n_chosen == 1 or m.reduction in ("sum", "mean")))}
        for param in self.search_space:
            if param.name not in self._labels or param.name not in defaults \
                    or _covered(param.name, side_by_side):
                continue
            for value in param.grid_values():
                try:
                    frozen = self.freeze(self._defaults_with(param.name, value))
                    with single_threaded(), torch.no_grad():
                        frozen.eval()(*inputs)
                except SearchSpaceError:
                    raise
                except Exception as exc:
                    raise ShapeError(
                        f"the model space fails with {param.name!r} = {value!r} (other "
                        f"decisions at their defaults) on input of shape "
                        f"{shape_of(list(inputs))}: {type(exc).__name__}: {exc}. Make every "
                        "layer that depends on it follow its value.") from exc

    def _defaults_with(self, name: str, value: Any) -> Architecture:
        space, config = self.search_space, {}
        for param in space:
            if space.is_active(param.name, config):
                config[param.name] = value if param.name == name else param.default
        return config


def activate(model: nn.Module, arch: Mapping[str, Any]) -> nn.Module:
    """Set every choice of a supernet (from `ModelSpace.supernet`) to `arch`, in place.
    Choices that `arch` leaves out (inactive in it) keep their setting."""
    for module in model.modules():
        label = getattr(module, "label", None)
        if isinstance(module, Cell):
            module.active = [[(arch.get(f"{label}/input_{j}_{s}", p),
                               arch.get(f"{label}/op_{j}_{s}", name))
                              for s, (p, name) in enumerate(slots)]
                             for j, slots in enumerate(module.active)]
        elif isinstance(module, (LayerChoice, InputChoice, Repeat)) and label in arch:
            module.active = arch[label]
    return model


def _covered(label: str, side_by_side: set[str]) -> bool:
    """Whether the supernet check already compared the candidates of decision `label`."""
    return label in side_by_side or label.rsplit("/", 1)[0] in side_by_side


def save_architecture(arch: Mapping[str, Any], path: str | os.PathLike[str]) -> None:
    """Write `arch` as JSON (the format trials get their parameters in, and NNI exports)."""
    Path(path).write_text(json.dumps(dict(arch), indent=2, sort_keys=False) + "\n")


def load_architecture(path: str | os.PathLike[str],
                      space: ModelSpace | None = None) -> Architecture:
    """Read an architecture written by `save_architecture` (or any JSON dict); with
    `space`, validate it against that model space."""
    try:
        arch = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise SearchSpaceError(f"cannot read architecture file {str(path)!r}: {exc}") from exc
    if not isinstance(arch, dict):
        raise SearchSpaceError(
            f"architecture file {str(path)!r} must hold a JSON object of label -> value, but "
            f"holds {type(arch).__name__}.")
    return space.validate(arch) if space is not None else arch
