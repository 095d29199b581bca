"""Find the whole search space of a define-by-run build function before the search.

A build function only declares the parameters its code reaches: ``for i in
range(hp.Int("layers", 1, 3)): hp.Int(f"units_{i}", ...)`` declares ``units_1`` only when
``layers`` is at least 2, and parameters under ``if hp.Boolean("dropout"):`` only when it is
True. Keras Tuner grows its space as trials reach such code, so its first trials never tune
them. hyperscout instead builds the model a few more times before the first trial: from the
defaults, with each value of every choice and boolean and the ends of every numeric range
(the parameter's parents set so that it is active), until no build declares anything new.
The engine then searches the whole space from the first trial on.

The builds run in a short-lived thread of their own, with the caller's Keras settings, so
the caller's Keras state stays free of the probe models. (They once also kept the torch
OpenMP pool they start out of the caller's thread, when trials ran in a second thread and
two pools throttled each other; trials now run in the caller's thread itself.)
"""

from __future__ import annotations

import math
import threading
import warnings
from collections.abc import Callable, Iterator
from typing import Any

from ..space import Boolean, Choice, Float, Int, Parameter, SearchSpace
from ._hyperparameters import HyperParameters

MAX_BUILDS = 60


def discover_space(build: Callable[[HyperParameters], Any], *,
                   max_builds: int = MAX_BUILDS) -> SearchSpace:
    """The space `build` declares over all the probes; the first build (defaults) must
    succeed, later ones may fail (that probe is skipped)."""
    settings = _keras_settings()
    outcome: dict[str, Any] = {}

    def probe() -> None:
        try:
            if settings:
                from ._keras_state import apply

                apply(settings)
            outcome["space"] = _discover(build, max_builds)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=probe, name="hyperscout-discovery", daemon=True)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["space"]


def _discover(build: Callable[[HyperParameters], Any], max_builds: int) -> SearchSpace:
    hp = HyperParameters()
    try:
        build(hp)
    except Exception as exc:
        if hasattr(exc, "add_note"):
            exc.add_note("(raised while hyperscout built the model with default values to "
                         "find its search space)")
        raise
    space = hp.space
    probed: set[tuple[str, str]] = set()
    builds = 1
    grew = True
    while grew and builds < max_builds:
        grew = False
        for name, values in _probes(space, probed):
            if builds >= max_builds:
                warnings.warn(
                    f"hyperscout.keras stopped exploring the search space after {max_builds} "
                    "builds; parameters the build function declares only for values not yet "
                    "tried keep their defaults.", stacklevel=3)
                break
            builds += 1
            try:
                trial_hp = HyperParameters.from_config(space, values)
                build(trial_hp)
            except Exception:  # noqa: BLE001, S112 - a probe may be an invalid combination
                continue
            if len(trial_hp.space) > len(space):
                space = _extend(space, trial_hp.space)
                grew = True
    return space


def _probes(space: SearchSpace, probed: set[tuple[str, str]]
            ) -> Iterator[tuple[str, dict[str, Any]]]:
    """(parameter, values) pairs not yet built: each probe value of each parameter, with
    its ancestors set so that it is active."""
    defaults = {p.name: p.default for p in space}
    for param in space:
        for value in _probe_values(param):
            key = (param.name, repr(value))
            if key in probed:
                continue
            probed.add(key)
            values = dict(defaults)
            values[param.name] = value
            _activate(space, param, values)
            yield param.name, values


def _probe_values(param: Parameter) -> list[Any]:
    if isinstance(param, Choice):
        return list(param.values)
    if isinstance(param, Boolean):
        return [False, True]
    if isinstance(param, (Int, Float)):
        return [v for v in (param.low, _top(param)) if param.contains(v)]
    return []


def _top(param: Int | Float) -> Any:
    """The largest value of the parameter (a step grid may stop short of `high`)."""
    if param.step is None or param.contains(param.high):
        return param.high
    if param.sampling == "linear":
        k = math.floor((param.high - param.low) / param.step + 1e-9)
        return param.low + k * param.step
    k = math.floor(math.log(param.high / param.low) / math.log(param.step) + 1e-9)
    return param.low * param.step**k


def _activate(space: SearchSpace, param: Parameter, values: dict[str, Any]) -> None:
    condition = param.condition
    while condition is not None:
        parent = space[condition.parent]
        if values.get(parent.name) not in condition.values:
            values[parent.name] = condition.values[0]
        condition = parent.condition


def _extend(space: SearchSpace, grown: SearchSpace) -> SearchSpace:
    """`space` with the parameters only `grown` has, appended in declaration order."""
    return SearchSpace(list(space) + [p for p in grown if p.name not in space.names])


def _keras_settings() -> dict[str, Any]:
    """The caller's Keras settings, for the builds' thread (none without Keras)."""
    try:
        from ._keras_state import snapshot

        return snapshot()
    except ImportError:  # discovery works without Keras too
        return {}
