"""Multi-trial NAS: `search` runs each architecture of a `ModelSpace` as one trial of an
ordinary experiment (so the CLI, the store and the dashboard show them), with a strategy
proposing the next architecture. The evaluator trains and scores one frozen model.

In a trial script instead of a function, `get_next_model` gives the frozen model of the
architecture the trial was given.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from torch import nn

from .. import trial as trial_api
from ..engine import Experiment
from ..errors import ConfigError
from ..store import Store, TrialRecord
from ._model_space import Architecture, ModelSpace
from ._oneshot import OneShotResult, OneShotStrategy, Retrained, retrain
from ._oneshot_run import run_oneshot
from ._strategies import Strategy, as_strategy
from ._training import Classification
from ._weight_reuse import save_weights, start_from_neighbour

Evaluator = Callable[..., Any]
"""``evaluate(model)`` or ``evaluate(model, architecture)``: train and score the frozen
model. It returns the metric (a number or a dict with ``"default"``), or reports it with
`report_intermediate_result` / `report_final_result` like any trial."""


class Evaluation:
    """The trial function of a NAS experiment: freeze the trial's architecture, evaluate it.

    Picklable when the model space's factory and the evaluator are importable, so trials
    can also run on Ray."""

    def __init__(self, space: ModelSpace, evaluate: Evaluator, *,
                 reuse_weights: bool = False) -> None:
        if not callable(evaluate):
            raise ConfigError(f"`evaluate` must be a function of the model, but got {evaluate!r}.")
        self.space, self.evaluate, self.reuse_weights = space, evaluate, reuse_weights
        self._with_arch = _takes_two(evaluate)

    def __call__(self, params: dict[str, Any]) -> Any:
        arch = self.space.validate(params)
        model = self.space.freeze(arch)
        trial_dir = trial_api.get_trial_dir()
        if self.reuse_weights and trial_dir is not None:
            start_from_neighbour(model, trial_dir, arch)
        result = self.evaluate(model, arch) if self._with_arch else self.evaluate(model)
        if self.reuse_weights and trial_dir is not None:
            save_weights(model, trial_dir)
        return result


@dataclass
class NasResult:
    """What a multi-trial search found. `best_model()` freezes the best architecture (with
    fresh weights: retrain it, or keep the weights your evaluator saved)."""

    experiment_id: str
    space: ModelSpace
    best_architecture: Architecture | None
    best_value: float | None
    trials: list[TrialRecord]

    def best_model(self) -> nn.Module:
        if self.best_architecture is None:
            raise ConfigError(
                f"experiment {self.experiment_id} has no successful trial, so no best "
                "architecture; see `hyperscout trial ls` for why the trials failed.")
        return self.space.freeze(self.best_architecture)

    def retrain(self, evaluate: Evaluator, *, seed: int = 0) -> Retrained:
        """Train the best architecture from scratch with `evaluate` (a `Classification`
        also scores it on its test data)."""
        self.best_model()  # the error when there is no best architecture
        assert self.best_architecture is not None
        return retrain(self.space, self.best_architecture, evaluate, seed=seed)


# The default `max_trials`, 20, as an object of its own: a one-shot search has no trials
# to count, and refuses a `max_trials` the caller gave instead of ignoring it.
_DEFAULT_TRIALS: int = type("_DefaultTrials", (int,), {"__repr__": lambda self: "20"})(20)


def search(space: ModelSpace, evaluate: Evaluator, *,
           strategy: str | Strategy | OneShotStrategy = "evolution",
           max_trials: int | None = _DEFAULT_TRIALS, direction: str = "maximize",
           concurrency: int = 1, seed: int | None = None,
           max_duration: float | str | None = None,
           storage: str | os.PathLike[str] | Store | None = None, name: str | None = None,
           progress: bool | None = None, reuse_weights: bool = False,
           **experiment_options: Any) -> NasResult | OneShotResult:
    """Search `space` with one trial per architecture; return the best one.

    With a one-shot strategy (``SPOS()``, ``DARTS()``, ``ENAS()``), `evaluate` is the
    `Classification` setup its supernet trains with, the search runs in this process as
    the one trial of a stored experiment (`storage`, `name`), and the result is a
    `OneShotResult`; it takes ``fixed=`` and ``checkpoint=`` (default: a file in the
    trial's folder; see `OneShotStrategy.search`), `seed` and `progress`, and none of the
    other experiment options.

    Args:
        space: the model space.
        evaluate: trains and scores a frozen model (see `Evaluator`).
        strategy: a tuner name or a `Strategy` (``RegularizedEvolution()``, ``TPE()``,
            ``PolicyBasedRL()``, ``Random()``, ``GridSearch()``).
        max_trials, direction, concurrency, seed, max_duration, storage, name, progress:
            as for `Experiment` (`max_trials` is 20 unless given); `experiment_options` are
            its other keywords (``scheduler``, ``assessor``, ``trial_timeout``,
            ``gpus_per_trial``, ...).
        reuse_weights: start each trial from the trained weights of the finished trial
            nearest to its architecture, for every layer they share (see
            `nas._weight_reuse`); each trial keeps its weights in ``weights.pt``.

    Example:
        >>> result = search(space, evaluate, strategy=RegularizedEvolution(),
        ...                 max_trials=50, storage=tmp_path)  # doctest: +SKIP
        >>> model = result.best_model()  # doctest: +SKIP
    """
    if not isinstance(space, ModelSpace):
        raise ConfigError(f"`space` must be a hyperscout.nas.ModelSpace, but got {space!r}.")
    if isinstance(strategy, OneShotStrategy):
        oneshot = {k: experiment_options.pop(k) for k in ("fixed", "checkpoint")
                   if k in experiment_options}
        engine_only = sorted([*experiment_options] + [
            k for k, given in (("max_trials", max_trials is not _DEFAULT_TRIALS),
                               ("concurrency", concurrency != 1),
                               ("max_duration", max_duration is not None),
                               ("reuse_weights", reuse_weights),
                               ("direction", direction != "maximize")) if given])
        if engine_only:
            raise ConfigError(
                f"{type(strategy).__name__} is a one-shot strategy: it trains one supernet in "
                f"this process, so {engine_only} do not apply. Drop them, or use a "
                "multi-trial strategy.")
        if not isinstance(evaluate, Classification):
            raise ConfigError(
                f"{type(strategy).__name__} trains a supernet, so `evaluate` must be its "
                f"training setup, a hyperscout.nas.Classification(train_data, val_data, ...), "
                f"but got {evaluate!r}.")
        return run_oneshot(strategy, space, evaluate, seed=0 if seed is None else seed,
                           progress=progress, storage=storage, name=name, **oneshot)
    chosen = as_strategy(strategy)
    trial = Evaluation(space, evaluate, reuse_weights=reuse_weights)
    exp = Experiment(trial, space.search_space, tuner=chosen.tuner, tuner_args=chosen.options,
                     max_trials=max_trials if max_trials is not _DEFAULT_TRIALS else 20,
                     direction=direction, concurrency=concurrency, seed=seed,
                     max_duration=max_duration,
                     storage=storage, name=name, progress=progress, **experiment_options)
    exp.run()
    assert exp.id is not None
    best = exp.best_trial
    return NasResult(exp.id, space, space.validate(best.params) if best else None,
                     best.value if best else None, exp.trials())


def get_next_model(space: ModelSpace) -> nn.Module:
    """In a trial script: the frozen model of this trial's architecture."""
    return space.freeze(trial_api.get_next_parameter())


def _takes_two(fn: Callable[..., Any]) -> bool:
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return False
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2 or any(p.kind is p.VAR_POSITIONAL for p in params)
