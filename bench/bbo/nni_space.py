"""NNI's search_space.json form, read independently of hyperscout for the peers' adapters.

`flatten_space` lists every parameter once, parents before children, a nested option's
sub-parameters named ``f"{choice}/{option}/{child}"`` as hyperscout names them. A flat
config maps those names to values for the active parameters only; `nest` turns it into the
params a trial sees (``{"model": {"_name": "branin", "x1": 0.3}}``) and `flatten_params`
back. The benchmark's own reading keeps a mapping bug in hyperscout's codec from hiding
behind the same bug in every adapter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

QUANTISED = ("quniform", "qloguniform")


@dataclass(frozen=True)
class Spec:
    """One parameter of an NNI space.

    Attributes:
        name: Flat name ("lr", or "model/branin/x1" under a nested choice).
        short: The name inside its option ("x1").
        type: NNI `_type`.
        value: NNI `_value` for numbers; for a choice, its options with nested options
            replaced by their `_name`.
        parent_spec: The choice this parameter hangs from, or None.
        option: The option of `parent_spec` that activates it.
        nested: For a choice, the options that are nested (dicts with `_name`).
    """

    name: str
    short: str
    type: str
    value: tuple[Any, ...]
    parent_spec: Spec | None = None
    option: Any = None
    nested: frozenset[str] = frozenset()

    @classmethod
    def of(cls, name: str, nni: Mapping[str, Any]) -> Spec:
        return cls(name, name, nni["_type"], tuple(nni["_value"]))

    @property
    def parent(self) -> str | None:
        return None if self.parent_spec is None else self.parent_spec.name

    @property
    def options(self) -> tuple[Any, ...]:
        return self.value if self.type == "choice" else ()

    @property
    def labels(self) -> tuple[str, ...]:
        """The options as distinct strings, for peers whose categories must be strings."""
        labels = tuple(str(o) for o in self.options)
        if len(set(labels)) < len(labels):
            labels = tuple(f"{i}:{o}" for i, o in enumerate(self.options))
        return labels

    @property
    def step(self) -> float | None:
        """q of a quniform whose low and high are multiples of q: its grid is then
        low, low + q, ..., high in every tool. None otherwise."""
        if self.type != "quniform":
            return None
        low, high, q = self.value
        return q if _is_multiple(low, q) and _is_multiple(high, q) else None


def _is_multiple(x: float, q: float) -> bool:
    return abs(x / q - round(x / q)) < 1e-9


def flatten_space(space: Mapping[str, Any]) -> list[Spec]:
    """Every parameter of an NNI space, parents before children."""
    out: list[Spec] = []
    _walk(space, "", None, None, out)
    return out


def _walk(
    space: Mapping[str, Any], prefix: str, parent: Spec | None, option: Any, out: list[Spec]
) -> None:
    for short, nni in space.items():
        type_, value = nni["_type"], list(nni["_value"])
        if type_ != "choice":
            out.append(Spec(prefix + short, short, type_, tuple(value), parent, option))
            continue
        options = [o["_name"] if isinstance(o, Mapping) else o for o in value]
        nested = frozenset(o["_name"] for o in value if isinstance(o, Mapping))
        spec = Spec(prefix + short, short, "choice", tuple(options), parent, option, nested)
        out.append(spec)
        for o in value:
            if isinstance(o, Mapping):
                children = {k: v for k, v in o.items() if k != "_name"}
                _walk(children, f"{spec.name}/{o['_name']}/", spec, o["_name"], out)


def is_active(spec: Spec, config: Mapping[str, Any]) -> bool:
    """Whether `spec` is active given the parents already in `config`."""
    return spec.parent is None or (spec.parent in config and config[spec.parent] == spec.option)


def label_of(choice: Spec | None, option: Any) -> str:
    assert choice is not None
    return choice.labels[choice.options.index(option)]


def grid(spec: Spec) -> list[float]:
    """The values of a quantised parameter: clip(round(x / q) * q, low, high) over the range."""
    low, high, q = spec.value
    ks = range(round(low / q), round(high / q) + 1)
    return sorted({min(max(round(k * q, 12), low), high) for k in ks})


def nest(config: Mapping[str, Any], specs: list[Spec]) -> dict[str, Any]:
    """A flat config of active parameters -> the params a trial sees."""

    def resolve(spec: Spec) -> Any:
        value = config[spec.name]
        if spec.type != "choice" or value not in spec.nested:
            return value
        kids = [c for c in specs if c.parent == spec.name and c.option == value]
        return {"_name": value, **{c.short: resolve(c) for c in kids if c.name in config}}

    return {s.short: resolve(s) for s in specs if s.parent is None}


def flatten_params(params: Mapping[str, Any], specs: list[Spec]) -> dict[str, Any]:
    """The inverse of `nest`."""
    config: dict[str, Any] = {}

    def put(spec: Spec, value: Any) -> None:
        if not (isinstance(value, Mapping) and "_name" in value):
            config[spec.name] = value
            return
        config[spec.name] = value["_name"]
        for child in specs:
            if (
                child.parent == spec.name
                and child.option == value["_name"]
                and child.short in value
            ):
                put(child, value[child.short])

    for spec in specs:
        if spec.parent is None:
            put(spec, params[spec.short])
    return config


def sample(specs: list[Spec], rng: np.random.Generator) -> dict[str, Any]:
    """Uniformly random params (log-uniform for log types), as a trial sees them."""
    config: dict[str, Any] = {}
    for spec in specs:
        if not is_active(spec, config):
            continue
        if spec.type == "choice":
            config[spec.name] = spec.options[int(rng.integers(len(spec.options)))]
        elif spec.type == "randint":
            config[spec.name] = int(rng.integers(spec.value[0], spec.value[1]))
        elif spec.type in QUANTISED:
            values = grid(spec)
            config[spec.name] = values[int(rng.integers(len(values)))]
        elif spec.type == "loguniform":
            low, high = np.log(spec.value[0]), np.log(spec.value[1])
            config[spec.name] = float(np.exp(rng.uniform(low, high)))
        else:
            config[spec.name] = float(rng.uniform(*spec.value))
    return nest(config, specs)
