"""The parameter kinds of a search space, as the table in docs/architecture.md lists them.

This module holds the categorical kinds (`Choice`, `Boolean`, `Fixed`) and re-exports the
numeric ones (`Int`, `Float`, `Normal`, in `_numeric.py`) and the shared `Parameter` and
`Condition` (in `_base.py`), so ``from hyperscout.space._params import ...`` finds them all.
Semantics follow Keras Tuner 1.4 for defaults and ordering, NNI for distributions.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass, field
from typing import Any

import numpy as np

from ..errors import SearchSpaceError
from ._base import UNSET, Condition, Parameter
from ._numeric import SAMPLINGS, Float, Int, Normal
from ._values import identity_key, is_number, plain_json

__all__ = [
    "SAMPLINGS",
    "Boolean",
    "Choice",
    "Condition",
    "Fixed",
    "Float",
    "Int",
    "Normal",
    "Parameter",
]


@dataclass(frozen=True, repr=False)
class Choice(Parameter):
    """One of `values`, each drawn with equal probability (NNI ``choice``).

    Values may be any JSON values, dicts and lists included (tuples are stored as lists).
    `ordered` says whether the values have a meaningful order (model-based tuners may then
    treat them as a ladder); it defaults, as in Keras Tuner, to True when every value is a
    number (bools excluded). The default is the first value.

    `subspaces` names the values that are NNI nested options: their children are parameters
    named ``f"{name}/{option}/{child}"`` with ``Condition(name, (option,))``, and a trial
    sees the chosen option as ``{"_name": option, child: value, ...}``.

    Example:
        >>> Choice("optimizer", ["adam", "sgd"]).default
        'adam'
    """

    values: Sequence[Any]
    _: KW_ONLY
    ordered: bool | None = None
    default: Any = UNSET
    subspaces: Sequence[str] = ()
    condition: Condition | None = None
    _index: dict[str, int] = field(init=False, repr=False, compare=False)  # value key -> position
    kind = "choice"

    def __post_init__(self) -> None:
        super().__post_init__()
        name = self.name
        if isinstance(self.values, (str, bytes, dict)) or not isinstance(self.values, Sequence):
            raise SearchSpaceError(
                f"`values` of choice {name!r} must be a list of values, but got "
                f"{self.values!r}. Wrap a single value in a list, or use Fixed."
            )
        values = tuple(plain_json(v, f"a value of choice {name!r}") for v in self.values)
        if not values:
            raise SearchSpaceError(
                f"`values` of choice {name!r} must not be empty, but got []. "
                "List at least one value (or use Fixed for a single one)."
            )
        index: dict[str, int] = {}
        for i, value in enumerate(values):
            key = identity_key(value)
            if key in index:
                raise SearchSpaceError(
                    f"`values` of choice {name!r} must be distinct, but {value!r} appears at "
                    f"positions {index[key]} and {i}. Remove the duplicate."
                )
            index[key] = i
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "_index", index)
        self._check_subspaces()
        self._resolve_ordered()
        if self.default is UNSET:
            object.__setattr__(self, "default", copy.deepcopy(values[0]))
        elif not self.contains(self.default):
            raise SearchSpaceError(
                f"`default` of choice {name!r} must be one of its values {list(values)!r}, but "
                f"got {self.default!r}. Pick one of the values or leave the default out."
            )
        else:
            object.__setattr__(self, "default", self.canonical(self.default))

    def _check_subspaces(self) -> None:
        name = self.name
        if isinstance(self.subspaces, str):
            raise SearchSpaceError(
                f"`subspaces` of choice {name!r} must be a list of option names, but got the "
                f"string {self.subspaces!r}. Wrap it in a list."
            )
        subspaces = tuple(self.subspaces)
        for option in subspaces:
            if not isinstance(option, str) or identity_key(option) not in self._index:
                raise SearchSpaceError(
                    f"every entry of `subspaces` of choice {name!r} must be one of its string "
                    f"values, but got {option!r}. Add it to `values` or remove it."
                )
        if len(set(subspaces)) != len(subspaces):
            raise SearchSpaceError(
                f"`subspaces` of choice {name!r} must be distinct, but got {list(subspaces)!r}."
            )
        for value in self.values:
            if isinstance(value, dict) and "_name" in value:
                raise SearchSpaceError(
                    f"value {value!r} of choice {name!r} is a dict with a '_name' key, which NNI "
                    "reads as a nested option. Declare it as a nested option (its name in "
                    "`values` and `subspaces`, its children as conditional parameters), or "
                    "rename the key."
                )
        object.__setattr__(self, "subspaces", subspaces)

    def _resolve_ordered(self) -> None:
        if self.ordered is None:
            ordered = all(is_number(v) for v in self.values)
            object.__setattr__(self, "ordered", ordered)
        elif not isinstance(self.ordered, bool):
            raise SearchSpaceError(
                f"`ordered` of choice {self.name!r} must be True, False or None, but got "
                f"{self.ordered!r}."
            )

    def _implicit(self) -> dict[str, Any]:
        return {"ordered": all(is_number(v) for v in self.values), "default": self.values[0]}

    def __hash__(self) -> int:
        return hash((self.name, tuple(identity_key(v) for v in self.values), self.condition))

    def index(self, value: Any) -> int:
        """The position of `value` in `values`; raise `SearchSpaceError` if absent."""
        try:
            position = self._index.get(identity_key(plain_json(value)))
        except SearchSpaceError:
            position = None
        if position is None:
            raise SearchSpaceError(
                f"value {value!r} is not one of the values of choice {self.name!r}: "
                f"{list(self.values)!r}. Pick one of them."
            )
        return position

    def sample(self, rng: np.random.Generator) -> Any:
        return copy.deepcopy(self.values[int(rng.integers(len(self.values)))])

    def contains(self, value: Any) -> bool:
        try:
            self.index(value)
        except SearchSpaceError:
            return False
        return True

    def canonical(self, value: Any) -> Any:
        return copy.deepcopy(self.values[self.index(value)])

    def grid_values(self) -> tuple[Any, ...]:
        return copy.deepcopy(tuple(self.values))

    @property
    def size(self) -> int:
        return len(self.values)


@dataclass(frozen=True, repr=False)
class Boolean(Parameter):
    """True or False with equal probability; defaults to False (Keras Tuner's ``Boolean``)."""

    _: KW_ONLY
    default: bool = False
    condition: Condition | None = None
    kind = "boolean"

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.default, (bool, np.bool_)):
            raise SearchSpaceError(
                f"`default` of boolean {self.name!r} must be True or False, but got "
                f"{self.default!r}."
            )
        object.__setattr__(self, "default", bool(self.default))

    def sample(self, rng: np.random.Generator) -> bool:
        return bool(rng.integers(2))

    def contains(self, value: Any) -> bool:
        return isinstance(value, (bool, np.bool_))

    def canonical(self, value: Any) -> bool:
        if not self.contains(value):
            raise self._not_contained(value)
        return bool(value)

    def grid_values(self) -> tuple[bool, ...]:
        return (False, True)

    @property
    def size(self) -> int:
        return 2


@dataclass(frozen=True, repr=False)
class Fixed(Parameter):
    """Always `value` (any JSON value). Useful to pass a constant through the same channel as
    the searched parameters (Keras Tuner's ``Fixed``)."""

    value: Any
    _: KW_ONLY
    condition: Condition | None = None
    default: Any = field(init=False, compare=False)  # the value itself
    kind = "fixed"

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "value", plain_json(self.value, f"`value` of fixed {self.name!r}"))
        object.__setattr__(self, "default", self.value)

    def __hash__(self) -> int:
        return hash((self.name, identity_key(self.value), self.condition))

    def sample(self, rng: np.random.Generator) -> Any:
        return copy.deepcopy(self.value)

    def contains(self, value: Any) -> bool:
        try:
            return identity_key(plain_json(value)) == identity_key(self.value)
        except SearchSpaceError:
            return False

    def canonical(self, value: Any) -> Any:
        if not self.contains(value):
            raise self._not_contained(value)
        return copy.deepcopy(self.value)

    def grid_values(self) -> tuple[Any, ...]:
        return (copy.deepcopy(self.value),)

    @property
    def size(self) -> int:
        return 1
