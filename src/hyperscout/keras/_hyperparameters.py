"""Keras Tuner's `HyperParameters`: hyperscout's define-by-run container plus the parts of
keras_tuner 1.4's API that tuner code and users call on it (serialisation, copies)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

from ..errors import SearchSpaceError
from ..space import HyperParameters as _HyperParameters
from ..space import SearchSpace


class HyperParameters(_HyperParameters):
    """Keras Tuner's ``HyperParameters`` (``hp.Int``, ``hp.Float``, ``hp.Choice``,
    ``hp.Boolean``, ``hp.Fixed``, ``hp.conditional_scope``, ``hp.get``, ``hp.values``).

    Example:
        >>> hp = HyperParameters()
        >>> hp.Int("units", 32, 512, step=32)
        32
        >>> HyperParameters.from_config(hp.get_config()).values
        {'units': 32}
    """

    def __init__(self, values: Mapping[str, Any] | None = None) -> None:
        super().__init__(values)
        self._overrides: set[str] = set()
        self._allow_new = True
        self._untuned_warning = False  # a trial's: a name the search space lacks is named

    def override(self, hps: _HyperParameters) -> None:
        """Make the parameters of `hps` win over what the build function declares under the
        same names (Keras Tuner's `hyperparameters=` argument of a tuner: e.g. a
        ``Fixed`` learning rate replaces the build function's ``Float``)."""
        for param in hps.space:
            self._params[param.name] = param
            if param.name not in self._given or not param.contains(self._given[param.name]):
                self._values[param.name] = hps._values[param.name]
            else:
                self._values[param.name] = param.canonical(self._given[param.name])
            self._overrides.add(param.name)

    def _retrieve(self, param: Any) -> Any:
        if param.name in self._overrides:
            return self.get(param.name) if self.is_active(param.name) else None
        if param.name not in self._params and not self._allow_new:
            raise SearchSpaceError(
                f"the build function declares {param.name!r}, which is not in the tuner's "
                "`hyperparameters`, and the tuner was made with allow_new_entries=False; "
                "add it to `hyperparameters` or allow new entries.")
        existing = self._params.get(param.name)
        if existing is not None and existing != param and param.name not in self._overrides:
            # Keras Tuner keeps the first definition of a name and returns its value
            warnings.warn(
                f"hyperparameter {param.name!r} is declared again as {param!r}, unlike its "
                f"first declaration {existing!r}; the first one stands, as in Keras Tuner. "
                "Use another name for a different parameter.", stacklevel=3)
            return self.get(param.name) if self.is_active(param.name) else None
        if param.name not in self._params and self._untuned_warning:
            warnings.warn(
                f"hyperparameter {param.name!r} is declared where the search space is not "
                "looked for (an overridden run_trial, say), so it keeps its default in "
                "every trial; declare it in build() or in a HyperModel's fit() to tune it.",
                stacklevel=3)
        return super()._retrieve(param)

    def get_config(self) -> dict[str, Any]:
        """A JSON-able description: the parameters (hyperscout's form, see
        `SearchSpace.to_dict`) and the current values."""
        return {"space": self.space.to_dict()["parameters"], "values": self.values}

    @classmethod
    def from_config(cls, config: Any, values: Mapping[str, Any] | None = None
                    ) -> HyperParameters:
        """Rebuild from `get_config()` output; also accepts ``(space, config)`` as
        hyperscout's `HyperParameters.from_config` does."""
        if isinstance(config, SearchSpace):
            space, chosen = config, dict(values or {})
        elif isinstance(config, Mapping) and "space" in config:
            space = SearchSpace.from_dict({"parameters": list(config["space"])})
            chosen = dict(config.get("values") or {})
        else:
            raise SearchSpaceError(
                "HyperParameters.from_config takes what get_config() returned (a dict with "
                f"'space' and 'values'), but got {type(config).__name__}.")
        active = {k: v for k, v in chosen.items() if k in space.names}
        hp = cls(active)
        for param in space:
            hp._register(param)
        return hp

    def copy(self) -> HyperParameters:
        """An independent copy with the same parameters and values."""
        return type(self).from_config(self.get_config())

    def merge(self, hps: _HyperParameters | list[Any], overwrite: bool = True) -> None:
        """Add the parameters of `hps` (a HyperParameters or a list of parameters); with
        `overwrite`, a parameter of the same name is replaced, with its value."""
        params = list(hps.space) if isinstance(hps, _HyperParameters) else list(hps)
        values = hps.values if isinstance(hps, _HyperParameters) else {}
        for param in params:
            if param.name in self._params and not overwrite:
                continue
            self._params[param.name] = param
            self._values[param.name] = values.get(param.name, param.default)

    def __len__(self) -> int:
        return len(self._params)
