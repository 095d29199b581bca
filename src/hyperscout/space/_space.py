"""`SearchSpace`: an ordered tuple of parameters with conditions, and everything the engine
and the tuners ask of it (sampling, defaults, validation, params <-> config, duplicate keys,
size and grid enumeration, JSON forms). See the "space/" section of docs/architecture.md.

A **config** maps the names of the *active* parameters to their values; the **params** a
trial sees are the same except that NNI nested choices are resolved as NNI does
(``{"layer0": {"_name": "Conv", "kernel_size": 3}}``).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import partial
from typing import Any

import numpy as np

from ..errors import SearchSpaceError
from . import _nni
from ._base import Condition, Parameter
from ._params import Boolean, Choice, Fixed, Float, Int, Normal
from ._values import canonical_json, identity_key

Config = dict[str, Any]

KINDS: dict[str, type[Parameter]] = {
    cls.kind: cls for cls in (Choice, Int, Float, Normal, Boolean, Fixed)
}


class SearchSpace:
    """An ordered, immutable collection of uniquely named parameters.

    A parameter with a `Condition` must come after its parent, and the condition's values
    must be values the parent can take.

    Example:
        >>> space = SearchSpace([
        ...     Choice("model", ["linear", "mlp"]),
        ...     Int("units", 16, 64, step=16, condition=Condition("model", "mlp")),
        ... ])
        >>> space.size
        5
    """

    def __init__(self, params: Iterable[Parameter]) -> None:
        self._params: tuple[Parameter, ...] = tuple(params)
        self._by_name: dict[str, Parameter] = {}
        self._children: dict[str, list[Parameter]] = {}
        self._condition_keys: dict[str, frozenset[str]] = {}
        for param in self._params:
            self._add(param)
        self._nested = _nni.nested_children(self._params)
        self._size: int | float | None = None

    def _add(self, param: Parameter) -> None:
        if not isinstance(param, Parameter):
            raise SearchSpaceError(
                f"a SearchSpace holds Parameter objects (Choice, Int, Float, ...), but got "
                f"{param!r} ({type(param).__name__})."
            )
        if param.name in self._by_name:
            raise SearchSpaceError(
                f"parameter names must be unique, but {param.name!r} is defined twice: "
                f"{self._by_name[param.name]!r} and {param!r}. Rename one of them."
            )
        condition = param.condition
        if condition is not None:
            parent = self._by_name.get(condition.parent)
            if parent is None:
                raise SearchSpaceError(
                    f"the condition of parameter {param.name!r} refers to {condition.parent!r}, "
                    "which is not an earlier parameter of the space. Define the parent first."
                )
            keys = set()
            for value in condition.values:
                if not parent.contains(value):
                    raise SearchSpaceError(
                        f"the condition of parameter {param.name!r} lists {value!r}, which "
                        f"parameter {parent.name!r} cannot take ({parent!r}). Use one of its "
                        "values."
                    )
                keys.add(identity_key(parent.canonical(value)))
            self._condition_keys[param.name] = frozenset(keys)
            self._children[parent.name].append(param)
        self._by_name[param.name] = param
        self._children[param.name] = []

    # -- container protocol ----------------------------------------------------------------
    @property
    def names(self) -> tuple[str, ...]:
        """The parameter names, in order."""
        return tuple(self._by_name)

    @property
    def params(self) -> tuple[Parameter, ...]:
        """The parameters, in order."""
        return self._params

    def __getitem__(self, name: str) -> Parameter:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(
                f"no parameter named {name!r} in the space; it has: {', '.join(self.names)}"
            ) from None

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self._params)

    def __len__(self) -> int:
        return len(self._params)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SearchSpace):
            return NotImplemented
        return self._params == other._params

    def __hash__(self) -> int:
        return hash(self._params)

    def __repr__(self) -> str:
        inner = "".join(f"\n    {param!r}," for param in self._params)
        return f"SearchSpace([{inner}\n])" if inner else "SearchSpace([])"

    # -- activity --------------------------------------------------------------------------
    def _matches(self, param: Parameter, config: Mapping[str, Any]) -> bool:
        """Whether `param`'s own condition holds, given its parent's entry in `config`."""
        condition = param.condition
        if condition is None:
            return True
        if condition.parent not in config:
            return False
        parent = self._by_name[condition.parent]
        value = config[condition.parent]
        if not parent.contains(value):
            return False
        return identity_key(parent.canonical(value)) in self._condition_keys[param.name]

    def is_active(self, name: str, config: Mapping[str, Any]) -> bool:
        """True when parameter `name` is active under `config`: every condition up its chain
        of parents holds."""
        param = self[name]
        while param.condition is not None:
            if not self._matches(param, config):
                return False
            param = self._by_name[param.condition.parent]
        return True

    def _build(self, value_of: Callable[[Parameter], Any]) -> Config:
        config: Config = {}
        for param in self._params:  # parents come first, so their entries are settled
            if self._matches(param, config):
                config[param.name] = value_of(param)
        return config

    def sample(self, rng: np.random.Generator) -> Config:
        """Draw a config: each active parameter from its own distribution, in order."""
        return self._build(lambda param: param.sample(rng))

    def defaults(self) -> Config:
        """The config of every active parameter's default."""
        return self._build(lambda param: copy.deepcopy(param.default))

    # -- validation and canonical form -----------------------------------------------------
    def normalize(self, config: Mapping[str, Any]) -> Config:
        """Validate `config` and return it in canonical form: in space order, each value as
        `sample` would produce it (``3.0`` -> ``3`` for an Int, re-quantised floats).

        Raises:
            SearchSpaceError: if a name is unknown, an active value is missing or out of
                range, or a value is given for an inactive parameter.
        """
        if not isinstance(config, Mapping):
            raise SearchSpaceError(f"a config must be a dict of name -> value, but got {config!r}.")
        unknown = [name for name in config if name not in self._by_name]
        if unknown:
            raise SearchSpaceError(
                f"the config has unknown parameter(s) {unknown!r}; the space has: "
                f"{', '.join(self.names)}. Remove them or fix the names."
            )
        out: Config = {}
        for param in self._params:
            active = self._matches(param, out)
            if active and param.name not in config:
                raise SearchSpaceError(
                    f"the config is missing a value for active parameter {param.name!r} "
                    f"({param!r}). Add one."
                )
            if not active and param.name in config:
                cond = param.condition
                raise SearchSpaceError(
                    f"the config gives a value for parameter {param.name!r}, which is inactive "
                    f"(it needs {cond.parent!r} in {list(cond.values)!r}). Remove it."  # type: ignore[union-attr]
                )
            if active:
                out[param.name] = param.canonical(config[param.name])
        return out

    def validate(self, config: Mapping[str, Any]) -> None:
        """Raise `SearchSpaceError` unless `config` is a valid config (see `normalize`)."""
        self.normalize(config)

    def key(self, config: Mapping[str, Any]) -> str:
        """A canonical string for `config`: two configs are duplicates iff their keys are
        equal. JSON with sorted keys and repr-exact floats."""
        return canonical_json(self.normalize(config))

    # -- params (what a trial sees) ---------------------------------------------------------
    def to_params(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """The params a trial sees: the config with NNI nested choices resolved to
        ``{"_name": option, child: value, ...}``."""
        return _nni.nest(self.normalize(config), self._params, self._nested)

    def from_params(self, params: Mapping[str, Any]) -> Config:
        """Invert `to_params`: flatten nested choices and return the validated config."""
        return self.normalize(_nni.flatten(params, self._by_name, self._nested))

    # -- size and grid ---------------------------------------------------------------------
    def _subtree_size(self, param: Parameter) -> int | float:
        """Configs of `param` and its descendants, given that `param` is active."""
        children = self._children[param.name]
        if not children:
            return param.size
        if not param.is_finite:
            return math.inf
        # Values no child listens to contribute one config each; the others, the product
        # of their active children's subtree sizes.
        factors: dict[str, int | float] = {}
        for child in children:
            for key in self._condition_keys[child.name]:
                factors[key] = factors.get(key, 1) * self._subtree_size(child)
        return param.size - len(factors) + sum(factors.values())

    @property
    def size(self) -> int | float:
        """The number of distinct configs (``math.inf`` when infinite). Conditional-aware:
        a parameter only counts in the branches where it is active."""
        if self._size is None:
            roots = [p for p in self._params if p.condition is None]
            self._size = math.prod(self._subtree_size(p) for p in roots)
        return self._size

    @property
    def is_finite(self) -> bool:
        """True when every parameter has finitely many values, so `grid` can enumerate."""
        return all(param.is_finite for param in self._params)

    def _subtree_grid(self, param: Parameter,
                      values: Callable[[Parameter], Iterable[Any]]) -> Iterator[Config]:
        for value in values(param):
            head = {param.name: value}
            active = [c for c in self._children[param.name] if self._matches(c, head)]
            for rest in _lazy_product([partial(self._subtree_grid, c, values)
                                       for c in active]):
                yield {**head, **rest}

    def grid(self, values: Callable[[Parameter], Iterable[Any]] | None = None
             ) -> Iterator[Config]:
        """Every config exactly once, in a fixed order (the first parameter varies slowest;
        inactive parameters are left out).

        Args:
            values: the values to enumerate of each parameter (default its
                `grid_values()`); a grid tuner uses it to put finer and finer points on
                continuous parameters.

        Raises:
            SearchSpaceError: naming the first parameter that cannot be enumerated.
        """
        if values is None:
            for param in self._params:
                if not param.is_finite:
                    param.grid_values()  # raises, naming the parameter and the fix
        chosen = values or (lambda param: param.grid_values())
        roots = [p for p in self._params if p.condition is None]
        order = {name: i for i, name in enumerate(self.names)}

        def configs() -> Iterator[Config]:
            for config in _lazy_product([partial(self._subtree_grid, r, chosen)
                                         for r in roots]):
                yield dict(sorted(config.items(), key=lambda item: order[item[0]]))

        return configs()

    # -- JSON forms -------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Hyperscout's own lossless JSON form: ``{"parameters": [{"name", "kind", ...}]}``."""
        return {"parameters": [param.to_dict() for param in self._params]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SearchSpace:
        """Read the form `to_dict` writes."""
        entries = data.get("parameters") if isinstance(data, Mapping) else None
        if not isinstance(entries, list):
            raise SearchSpaceError(
                f"hyperscout's space form is {{'parameters': [...]}}, but got {data!r}."
            )
        return cls(_param_from_dict(entry) for entry in entries)

    @classmethod
    def from_nni(cls, obj: Mapping[str, Any]) -> SearchSpace:
        """Read NNI's search_space.json form (all ten types and nested choices)."""
        return cls(_nni.parse(obj))

    def to_nni(self) -> dict[str, Any]:
        """Write NNI's search_space.json form; ``from_nni(d).to_nni() == d``.

        NNI has no defaults and no `ordered` flag: they are left out. Raises
        `SearchSpaceError` for what NNI cannot express (steps, Boolean, Fixed, log Int,
        reverse_log, conditions other than nested choices); use `to_dict` for those.
        """
        return _nni.dump(self._params, self._nested)


def _lazy_product(factories: list[Callable[[], Iterator[Config]]]) -> Iterator[Config]:
    """Merged dicts of the cartesian product of the factories' iterators, first one slowest.
    Later iterators are re-created instead of stored, so a large grid is never held."""
    if not factories:
        yield {}
        return
    for head in factories[0]():
        for rest in _lazy_product(factories[1:]):
            yield {**head, **rest}


def _param_from_dict(entry: Any) -> Parameter:
    if not isinstance(entry, Mapping) or "kind" not in entry or "name" not in entry:
        raise SearchSpaceError(
            f"each entry of 'parameters' must be a dict with 'name' and 'kind', but got {entry!r}."
        )
    kind = entry["kind"]
    if kind not in KINDS:
        raise SearchSpaceError(
            f"unknown parameter kind {kind!r} for {entry['name']!r}; the known kinds are "
            f"{', '.join(KINDS)}."
        )
    fields = {key: value for key, value in entry.items() if key != "kind"}
    try:
        return KINDS[kind](**fields)
    except TypeError as exc:
        raise SearchSpaceError(f"malformed {kind} parameter {entry!r}: {exc}.") from exc


def as_space(obj: Any) -> SearchSpace:
    """Accept a `SearchSpace`, anything with a ``.space`` (a `HyperParameters`), a list of
    parameters, hyperscout's dict (recognised by its ``"parameters"`` list) or an NNI dict."""
    if isinstance(obj, SearchSpace):
        return obj
    if isinstance(getattr(obj, "space", None), SearchSpace):
        return obj.space
    if isinstance(obj, Mapping):
        if isinstance(obj.get("parameters"), list):
            return SearchSpace.from_dict(obj)
        return SearchSpace.from_nni(obj)
    if isinstance(obj, (list, tuple)) and all(isinstance(p, Parameter) for p in obj):
        return SearchSpace(obj)
    raise SearchSpaceError(
        f"cannot read a search space from {obj!r} ({type(obj).__name__}); pass a SearchSpace, "
        "an NNI search_space dict or hyperscout's {'parameters': [...]} dict."
    )


__all__ = ["Condition", "SearchSpace", "as_space"]
