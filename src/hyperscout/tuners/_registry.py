"""Tuners by name: hyperscout's built-in ones, their NNI and Keras Tuner aliases, tuners
registered by other modules, and user classes given as ``"package.module:ClassName"``.

The engine only ever builds a tuner through `create`, so the name written in a config file
(NNI's ``tuner.name`` or hyperscout's ``tuner``) and the Python API resolve the same way.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError
from ._anneal import AnnealTuner
from ._auto import AutoTuner
from ._base import Tuner
from ._cmaes import CMAESTuner
from ._evolution import EvolutionTuner
from ._gp import GPTuner
from ._grid import GridTuner
from ._random import RandomTuner
from ._rl import RLTuner
from ._tpe import TPETuner

TunerFactory = Callable[..., Tuner]
"""Called as ``factory(space, direction=..., seed=..., **options)``; usually a Tuner class."""

NOT_YET_AVAILABLE = (
    # NNI's built-in tuners and advisors (registered_algorithms.yml), plus "Hyperopt" and
    # "DNGO" as users write them, and Keras Tuner's BayesianOptimization.
    "SMAC", "BatchTuner",
    "NetworkMorphism", "MetisTuner", "PPOTuner", "DNGOTuner", "DNGO", "Hyperopt",
)  # fmt: skip
# names of schedulers that users write where a tuner goes (NNI's advisors, its PBTTuner)
SCHEDULER_NAMES = {"hyperband": "hyperband", "bohb": "bohb", "pbttuner": "pbt", "pbt": "pbt",
                   "asha": "asha"}
NOT_YET_AVAILABLE_LOWER = frozenset(n.lower() for n in NOT_YET_AVAILABLE)
_BASE_ARGUMENTS = ("self", "space", "direction", "seed")


@dataclass(frozen=True)
class _Entry:
    name: str
    factory: TunerFactory
    aliases: tuple[str, ...]


_ENTRIES: dict[str, _Entry] = {}  # canonical name (lower case) -> entry, in registration order
_LOOKUP: dict[str, str] = {}  # any name or alias, lower case -> canonical name


def register(name: str, factory: TunerFactory, aliases: tuple[str, ...] | list[str] = ()) -> None:
    """Make a tuner available to `create` under `name` and `aliases` (case-insensitive).

    Raises:
        ConfigError: The name or an alias is empty, contains ":", or is already taken.
    """
    entry = _Entry(name.lower(), factory, tuple(aliases))
    keys = [entry.name, *(alias.lower() for alias in entry.aliases)]
    for key in keys:
        if not key or ":" in key:
            raise ConfigError(f"a tuner name must be non-empty without ':', but got {key!r}.")
        if key in _LOOKUP:
            raise ConfigError(
                f"the tuner name {key!r} is already taken by {_LOOKUP[key]!r}; pick another name."
            )
    _ENTRIES[entry.name] = entry
    _LOOKUP.update(dict.fromkeys(keys, entry.name))


def available() -> list[str]:
    """The canonical names of the registered tuners, in registration order."""
    return list(_ENTRIES)


def create(
    name: str, space: Any, direction: str = "maximize", seed: int | None = None, **options: Any
) -> Tuner:
    """Build the tuner called `name` (a registered name or alias, or "package.module:Class").

    Args:
        name: "random", "grid", an alias such as NNI's "GridSearch", or a custom class.
        space: A `SearchSpace` or anything `hyperscout.space.as_space` accepts.
        direction: "maximize" or "minimize".
        seed: See `Tuner`.
        **options: The tuner's own keyword arguments (NNI's ``classArgs``).

    Raises:
        ConfigError: Unknown or unavailable name, a custom class that cannot be imported or
            is not a `Tuner`, or an option the tuner does not take.
    """
    factory: TunerFactory
    if ":" in name:
        factory, label = _import_tuner(name), name
    else:
        factory, label = _lookup(name), name.lower()
    _check_options(factory, label, options)
    return factory(space, direction=direction, seed=seed, **options)


def _lookup(name: str) -> TunerFactory:
    canonical = _LOOKUP.get(name.lower())
    if canonical is not None:
        return _ENTRIES[canonical].factory
    if name.lower() in SCHEDULER_NAMES:
        raise ConfigError(
            f"{name!r} is a scheduler, not a tuner: set `scheduler: "
            f"{SCHEDULER_NAMES[name.lower()]}` (with its options in `scheduler_args`) and keep "
            "a tuner (for example `random`) to propose the configurations."
        )
    if name.lower() in NOT_YET_AVAILABLE_LOWER:
        raise ConfigError(
            f"tuner {name!r} is not available in this version of hyperscout; {_menu()}"
        )
    raise ConfigError(
        f"unknown tuner {name!r}; {_menu()}. (NNI and Keras Tuner tuners that hyperscout does not have yet: "
        f"{', '.join(n for n in NOT_YET_AVAILABLE if n.lower() not in _LOOKUP)}.)"
    )


def _menu() -> str:
    names = [
        f"{e.name} ({', '.join(e.aliases)})" if e.aliases else e.name for e in _ENTRIES.values()
    ]
    return f"available: {', '.join(names)}; or give a custom tuner as 'package.module:ClassName'"


def _import_tuner(spec: str) -> type[Tuner]:
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute or ":" in attribute:
        raise ConfigError(
            f"a custom tuner is written 'package.module:ClassName', but got {spec!r}."
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(
            f"cannot import module {module_name!r} for tuner {spec!r}: {exc}. Check the "
            "spelling and that the module is on the Python path (PYTHONPATH, or installed)."
        ) from exc
    cls = getattr(module, attribute, None)
    if cls is None:
        raise ConfigError(
            f"module {module_name!r} has no attribute {attribute!r} (tuner {spec!r})."
        )
    if not (inspect.isclass(cls) and issubclass(cls, Tuner)):
        raise ConfigError(
            f"{spec!r} must be a subclass of hyperscout.tuners.Tuner, but got {cls!r}."
        )
    return cls


def _check_options(factory: TunerFactory, label: str, options: dict[str, Any]) -> None:
    try:  # a class's own __init__ (`Tuner.__new__` takes anything)
        parameters = inspect.signature(
            factory.__init__ if isinstance(factory, type) else factory).parameters
    except (TypeError, ValueError):  # a builtin or C callable: let the call itself complain
        return
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return
    accepted = [
        n
        for n, p in parameters.items()
        if n not in _BASE_ARGUMENTS
        and p.kind in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    ]
    for option in options:
        if option not in accepted:
            raise ConfigError(
                f"tuner {label!r} has no option {option!r}; its options are: "
                f"{', '.join(accepted) or '(none)'}."
            )


register("random", RandomTuner, aliases=("Random", "RandomSearch"))
register("grid", GridTuner, aliases=("GridSearch",))
register("tpe", TPETuner, aliases=("TPE",))
register("evolution", EvolutionTuner, aliases=("Evolution", "RegularizedEvolutionTuner"))
register("gp", GPTuner, aliases=("GPTuner", "BayesianOptimization"))
register("anneal", AnnealTuner, aliases=("Anneal",))
register("cmaes", CMAESTuner, aliases=("CMA-ES", "CmaEs"))
register("rl", RLTuner, aliases=("PolicyRL", "reinforce"))
register("auto", AutoTuner)
