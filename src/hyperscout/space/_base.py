"""The base of every parameter kind (`Parameter`) and the `Condition` that makes a parameter
depend on an earlier one. The kinds themselves live in `_params.py` and `_numeric.py`."""

from __future__ import annotations

import abc
import dataclasses
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ..errors import SearchSpaceError
from ._values import identity_key, plain_json


class _Unset:
    """Marks an argument the caller left out where ``None`` is itself a meaningful value."""

    def __repr__(self) -> str:
        return "<unset>"


UNSET: Any = _Unset()


@dataclass(frozen=True)
class Condition:
    """A parameter with this condition is active only when the parameter `parent` is active
    and takes one of `values` (compared as JSON values: ``1 == 1.0``, ``True != 1``).

    A single value may be passed bare: ``Condition("model", "mlp")``.
    """

    parent: str
    values: tuple[Any, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.parent, str) or not self.parent:
            raise SearchSpaceError(
                f"`parent` of a Condition must be a parameter name (a non-empty str), but got "
                f"{self.parent!r}."
            )
        values = self.values
        values = tuple(values) if isinstance(values, (list, tuple)) else (values,)
        if not values:
            raise SearchSpaceError(
                f"a Condition on parent {self.parent!r} needs at least one value, but got none. "
                "List the parent values for which the parameter is active."
            )
        what = f"a value of the Condition on {self.parent!r}"
        object.__setattr__(self, "values", tuple(plain_json(v, what) for v in values))

    def __hash__(self) -> int:
        return hash((self.parent, tuple(identity_key(v) for v in self.values)))

    def to_dict(self) -> dict[str, Any]:
        """The JSON form used by `SearchSpace.to_dict`."""
        return {"parent": self.parent, "values": list(self.values)}


def as_condition(condition: Any, name: str) -> Condition | None:
    """Accept a `Condition`, ``None``, a ``(parent, values)`` pair or a ``{"parent",
    "values"}`` dict (the JSON form)."""
    if condition is None or isinstance(condition, Condition):
        return condition
    if isinstance(condition, dict) and set(condition) == {"parent", "values"}:
        return Condition(condition["parent"], condition["values"])
    if isinstance(condition, (list, tuple)) and len(condition) == 2:
        return Condition(condition[0], condition[1])
    raise SearchSpaceError(
        f"`condition` of parameter {name!r} must be a Condition(parent, values), but got "
        f"{condition!r}."
    )


@dataclass(frozen=True, repr=False)
class Parameter(abc.ABC):
    """One searchable variable: a unique `name`, a set of values, a distribution over them
    and, in every subclass, an optional `condition`.

    Subclasses are frozen dataclasses that validate in ``__post_init__`` (raising
    `SearchSpaceError` that names the parameter and says how to fix it) and implement the
    methods below. All values they produce are plain Python (``int``, ``float``, ``bool``,
    JSON values), never numpy scalars.
    """

    name: str
    kind: ClassVar[str] = "parameter"
    if TYPE_CHECKING:  # every subclass declares both as keyword-only fields
        condition: Condition | None
        default: Any

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise SearchSpaceError(
                f"a parameter `name` must be a non-empty str, but got {self.name!r}."
            )
        condition = as_condition(getattr(self, "condition", None), self.name)
        object.__setattr__(self, "condition", condition)

    # -- the interface every kind implements -------------------------------------------
    @abc.abstractmethod
    def sample(self, rng: np.random.Generator) -> Any:
        """Draw one value from the parameter's distribution."""

    @abc.abstractmethod
    def contains(self, value: Any) -> bool:
        """True when `value` is one the parameter can take."""

    @abc.abstractmethod
    def canonical(self, value: Any) -> Any:
        """Return `value` in the exact form `sample` would produce it (``3.0`` -> ``3`` for an
        Int, a re-quantised float for ``q``); raise `SearchSpaceError` if not `contains`."""

    @abc.abstractmethod
    def grid_values(self) -> tuple[Any, ...]:
        """All values, in a fixed order; raise `SearchSpaceError` for infinite kinds."""

    @property
    @abc.abstractmethod
    def size(self) -> int | float:
        """The number of distinct values (``math.inf`` for continuous kinds)."""

    # -- shared behaviour ------------------------------------------------------------------
    @property
    def is_finite(self) -> bool:
        """True when the parameter has finitely many values (it can be enumerated)."""
        return self.size != math.inf

    def _implicit(self) -> dict[str, Any]:
        """Field values that repr and to_dict may leave out (they follow from the others)."""
        return {}

    def _explicit_fields(self) -> list[tuple[str, Any, bool]]:
        implicit = self._implicit()
        out = []
        for f in dataclasses.fields(self):
            if not f.init:  # derived, like Fixed.default
                continue
            value = getattr(self, f.name)
            keyword = bool(f.kw_only)
            if f.name in implicit:
                if value == implicit[f.name]:
                    continue
            elif keyword and f.default is not dataclasses.MISSING and value == f.default:
                continue
            out.append((f.name, value, keyword))
        return out

    def __repr__(self) -> str:
        parts = [repr(v) if not kw else f"{k}={v!r}" for k, v, kw in self._explicit_fields()]
        return f"{type(self).__name__}({', '.join(parts)})"

    def to_dict(self) -> dict[str, Any]:
        """Hyperscout's lossless JSON form: ``{"name": ..., "kind": ..., <fields>}``."""
        out: dict[str, Any] = {"name": self.name, "kind": self.kind}
        for key, value, _ in self._explicit_fields():
            if key == "name":
                continue
            if isinstance(value, Condition):
                value = value.to_dict()
            elif isinstance(value, tuple):
                value = list(value)
            out[key] = value
        return out

    def _not_contained(self, value: Any) -> SearchSpaceError:
        return SearchSpaceError(
            f"value {value!r} is not a possible value of parameter {self.name!r} ({self!r}). "
            "Pass a value inside its range."
        )
