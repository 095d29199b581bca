"""`HyperParameters`: Keras Tuner 1.4's define-by-run API on top of `SearchSpace`.

A build function declares what it searches while it runs (``units = hp.Int("units", 32,
512, step=32)``) and gets back the current value: the one the tuner assigned when the
object was made with values (`from_config`), else the default. Running the function once
on an empty object discovers the space (``hp.space``); running it again on
``HyperParameters.from_config(space, config)`` reads a tuner's config.

As in Keras Tuner, code under ``with hp.conditional_scope(parent, values):`` always runs;
parameters registered there are part of the space but, while inactive, return ``None``.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from ..errors import SearchSpaceError
from ._base import UNSET, Condition, Parameter
from ._params import Boolean, Choice, Fixed, Float, Int
from ._space import Config, SearchSpace
from ._values import identity_key


class HyperParameters:
    """A define-by-run container of parameters and their current values.

    Args:
        values: values to hand out instead of the defaults (a tuner's config), checked
            against each parameter as it is registered.

    Example:
        >>> hp = HyperParameters()
        >>> hp.Int("units", 32, 128, step=32)
        32
        >>> hp.space.size
        4
    """

    def __init__(self, values: Mapping[str, Any] | None = None) -> None:
        self._params: dict[str, Parameter] = {}
        self._values: dict[str, Any] = {}
        self._given: dict[str, Any] = dict(values or {})
        self._scopes: list[Condition] = []

    @classmethod
    def from_config(cls, space: SearchSpace, config: Mapping[str, Any]) -> HyperParameters:
        """An object pre-filled with `space` and a config of it (as a tuner suggests), so a
        build function re-registering the same parameters reads the config's values.

        `config` may also be the params a trial sees (nested NNI choices resolved).
        """
        hp = cls(space.from_params(config))
        for param in space:
            hp._register(param)
        return hp

    # -- the Keras Tuner declarations -----------------------------------------------------------
    def Int(
        self,
        name: str,
        min_value: int,
        max_value: int,
        step: int | None = None,
        sampling: str = "linear",
        default: int | None = None,
        parent_name: str | None = None,
        parent_values: Any = None,
    ) -> int | None:
        """An integer in ``[min_value, max_value]`` (see `Int`)."""
        with self._maybe_scope(parent_name, parent_values):
            return self._retrieve(
                Int(
                    name,
                    min_value,
                    max_value,
                    step=step,
                    sampling=sampling,
                    default=default,
                    condition=self._condition(),
                )
            )

    def Float(
        self,
        name: str,
        min_value: float,
        max_value: float,
        step: float | None = None,
        sampling: str = "linear",
        default: float | None = None,
        parent_name: str | None = None,
        parent_values: Any = None,
    ) -> float | None:
        """A float in ``[min_value, max_value]`` (see `Float`)."""
        with self._maybe_scope(parent_name, parent_values):
            return self._retrieve(
                Float(
                    name,
                    min_value,
                    max_value,
                    step=step,
                    sampling=sampling,
                    default=default,
                    condition=self._condition(),
                )
            )

    def Choice(
        self,
        name: str,
        values: Sequence[Any],
        ordered: bool | None = None,
        default: Any = None,
        parent_name: str | None = None,
        parent_values: Any = None,
    ) -> Any:
        """One of `values` (see `Choice`); `default` None means the first value."""
        with self._maybe_scope(parent_name, parent_values):
            return self._retrieve(
                Choice(
                    name,
                    values,
                    ordered=ordered,
                    default=UNSET if default is None else default,
                    condition=self._condition(),
                )
            )

    def Boolean(
        self,
        name: str,
        default: bool = False,
        parent_name: str | None = None,
        parent_values: Any = None,
    ) -> bool | None:
        """True or False (see `Boolean`)."""
        with self._maybe_scope(parent_name, parent_values):
            return self._retrieve(Boolean(name, default=default, condition=self._condition()))

    def Fixed(
        self,
        name: str,
        value: Any,
        parent_name: str | None = None,
        parent_values: Any = None,
    ) -> Any:
        """A constant (see `Fixed`)."""
        with self._maybe_scope(parent_name, parent_values):
            return self._retrieve(Fixed(name, value, condition=self._condition()))

    # -- conditions ------------------------------------------------------------------------------
    @contextlib.contextmanager
    def conditional_scope(self, parent_name: str, parent_values: Any) -> Iterator[None]:
        """Parameters registered inside are active only when `parent_name` (already
        registered) takes one of `parent_values`. Scopes nest; since a hyperscout condition
        has one parent, an inner scope's parent must itself be defined inside the outer
        scope (as in the usual Keras Tuner pattern)."""
        self._scopes.append(self._scope_condition(parent_name, parent_values,
                                                  "conditional_scope"))
        try:
            yield
        finally:
            self._scopes.pop()

    @contextlib.contextmanager
    def _maybe_scope(self, parent_name: str | None, parent_values: Any) -> Iterator[None]:
        if parent_name is None:
            yield
            return
        self._scopes.append(self._scope_condition(parent_name, parent_values, "parent_name"))
        try:
            yield
        finally:
            self._scopes.pop()

    def _condition(self) -> Condition | None:
        return self._scopes[-1] if self._scopes else None

    def _scope_condition(self, parent_name: str, parent_values: Any, how: str) -> Condition:
        """The condition of a scope opened by `how` (``conditional_scope`` or a
        parameter's ``parent_name``), which the errors name."""
        if parent_name not in self._params:
            raise SearchSpaceError(
                f"{how}: parameter {parent_name!r} is not defined. Register it "
                "(hp.Choice, hp.Int, ...) before the parameters that depend on it."
            )
        parent = self._params[parent_name]
        condition = Condition(parent_name, parent_values)
        for value in condition.values:
            if not parent.contains(value):
                raise SearchSpaceError(
                    f"{how}: {value!r} is not a value parameter {parent_name!r} can "
                    f"take ({parent!r}). Use one of its values."
                )
        if self._scopes:
            condition = self._within(self._scopes[-1], condition)
        return condition

    def _within(self, outer: Condition, inner: Condition) -> Condition:
        """The single condition equivalent to `outer` and `inner` both holding."""
        allowed = {identity_key(v) for v in outer.values}
        if inner.parent == outer.parent:
            values = [v for v in inner.values if identity_key(v) in allowed]
            if not values:
                raise SearchSpaceError(
                    f"nested conditional_scope on {inner.parent!r} with {list(inner.values)!r} "
                    f"inside one with {list(outer.values)!r}: no value is in both, so nothing "
                    "inside could ever be active."
                )
            return Condition(inner.parent, tuple(values))
        param = self._params[inner.parent]
        while param.condition is not None:  # outer must hold whenever inner's parent is active
            if param.condition.parent == outer.parent:
                if all(identity_key(v) in allowed for v in param.condition.values):
                    return inner
                break
            param = self._params[param.condition.parent]
        raise SearchSpaceError(
            f"nested conditional_scope({inner.parent!r}, ...) inside conditional_scope("
            f"{outer.parent!r}, {list(outer.values)!r}): hyperscout conditions have a single "
            f"parent, so {inner.parent!r} must itself be defined inside the outer scope. Move "
            "its definition there, or use a single scope."
        )

    # -- registration ----------------------------------------------------------------------------
    def _retrieve(self, param: Parameter) -> Any:
        existing = self._params.get(param.name)
        if existing is None:
            self._register(param)
        elif existing != param:
            raise SearchSpaceError(
                f"parameter {param.name!r} is already defined as {existing!r}, but is now "
                f"registered as {param!r}. Use the same definition every time, or another name."
            )
        return copy.deepcopy(self._values[param.name]) if self.is_active(param.name) else None

    def _register(self, param: Parameter) -> None:
        if param.name in self._given:
            value = self._given[param.name]
            if not param.contains(value):
                raise SearchSpaceError(
                    f"the value {value!r} given for parameter {param.name!r} is not a possible "
                    f"value of {param!r}."
                )
            self._values[param.name] = param.canonical(value)
        else:
            self._values[param.name] = param.default
        self._params[param.name] = param

    # -- reading -----------------------------------------------------------------------------
    def is_active(self, param: str | Parameter) -> bool:
        """True when every condition up the parameter's chain of parents holds for the
        current values; False for a name never registered, as in Keras Tuner."""
        name = param.name if isinstance(param, Parameter) else param
        current = self._params.get(name)
        if current is None:
            return False
        while current.condition is not None:
            parent = current.condition.parent
            keys = {identity_key(v) for v in current.condition.values}
            if identity_key(self._values[parent]) not in keys:
                return False
            current = self._params[parent]
        return True

    def get(self, name: str) -> Any:
        """The current value of `name`.

        Raises:
            KeyError: if no parameter `name` was registered.
            SearchSpaceError: if it is inactive (Keras Tuner raises ValueError too).
        """
        if name not in self._params:
            raise KeyError(f"parameter {name!r} does not exist; defined: {list(self._params)}")
        if not self.is_active(name):
            raise SearchSpaceError(
                f"parameter {name!r} is currently inactive (its condition "
                f"{self._params[name].condition!r} does not hold)."
            )
        return copy.deepcopy(self._values[name])

    def __getitem__(self, name: str) -> Any:
        return self.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._params

    @property
    def values(self) -> Config:
        """The current values of the active parameters, in registration order."""
        return {
            name: copy.deepcopy(value)
            for name, value in self._values.items()
            if self.is_active(name)
        }

    @property
    def space(self) -> SearchSpace:
        """Every parameter registered so far, as a `SearchSpace`."""
        return SearchSpace(self._params.values())

    def __repr__(self) -> str:
        return f"HyperParameters({self.values!r})"
