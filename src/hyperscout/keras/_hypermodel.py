"""`HyperModel`: how to build (and, optionally, fit) a model from hyperparameters.

A tuner takes a subclass of `HyperModel` or a plain build function ``build(hp) ->
model``. Override `fit` to tune training itself (batch size, epochs, data
preprocessing): it receives the arguments of ``tuner.search(...)`` and returns a Keras
``History``, a dict of metrics, or the objective's value as a number.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import ConfigError


class HyperModel:
    """Builds a model from a `HyperParameters` (Keras Tuner's ``HyperModel``).

    Args:
        name: shown in summaries.
        tunable: whether the parameters `build` declares are searched (kept for Keras
            Tuner compatibility; hyperscout searches every declared parameter).

    Example:
        >>> class Model(HyperModel):
        ...     def build(self, hp):
        ...         return hp.Int("units", 8, 64)
        >>> Model().build(HyperParameters())  # doctest: +SKIP
        8
    """

    def __init__(self, name: str | None = None, tunable: bool = True) -> None:
        self.name = name
        self.tunable = tunable

    def build(self, hp: Any) -> Any:
        """Return a compiled model whose architecture and settings come from `hp`."""
        raise NotImplementedError(
            f"{type(self).__name__}.build(hp) is not implemented; a HyperModel subclass "
            "must define build(self, hp) and return a compiled model.")

    def declare_hyperparameters(self, hp: Any) -> None:
        """Declare parameters that `build` does not (rarely needed)."""

    def fit(self, hp: Any, model: Any, *args: Any, **kwargs: Any) -> Any:
        """Train `model`; by default ``model.fit(*args, **kwargs)``."""
        return model.fit(*args, **kwargs)


class _FunctionHyperModel(HyperModel):
    """A plain build function as a `HyperModel`."""

    def __init__(self, build: Callable[[Any], Any]) -> None:
        super().__init__(name=getattr(build, "__name__", None))
        self._build = build

    def build(self, hp: Any) -> Any:
        return self._build(hp)


def as_hypermodel(hypermodel: Any) -> HyperModel:
    """`hypermodel` as a `HyperModel` (a build function is wrapped)."""
    if isinstance(hypermodel, HyperModel):
        return hypermodel
    if hypermodel is not None and hasattr(hypermodel, "build") and callable(hypermodel.build):
        return hypermodel  # duck-typed: a keras_tuner.HyperModel works too
    if callable(hypermodel):
        return _FunctionHyperModel(hypermodel)
    raise ConfigError(
        "`hypermodel` must be a HyperModel or a function build(hp) returning a compiled "
        f"model, but got {hypermodel!r}. A tuner that overrides run_trial may pass None.")
