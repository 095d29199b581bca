"""Keras Tuner's oracles: what a search optimises, how many trials it runs, and which
hyperscout tuner (and scheduler) picks each trial's configuration.

An oracle is given to a `Tuner` (``kt.Tuner(oracle=..., hypermodel=...)``,
``kt.SklearnTuner(oracle=...)``), or made by `RandomSearch`, `BayesianOptimization`,
`Hyperband` and `GridSearch` from their own arguments. Once a tuner holds it, it also shows
the search's trials, read from the experiment's store (``tuner.oracle.trials``,
``tuner.oracle.get_best_trials()``), so what `hyperscout trial ls` lists and what the oracle
shows are the same records.

| Keras Tuner | hyperscout |
|---|---|
| `RandomSearchOracle` | the `random` tuner |
| `BayesianOptimizationOracle` | the `gp` tuner (Matern-5/2 GP, log expected improvement) |
| `GridSearchOracle` | the `grid` tuner |
| `HyperbandOracle` | the `hyperband` scheduler with Keras Tuner's bracket sizes, over `random` |
| `Oracle` | any hyperscout tuner and scheduler by name (default `random`), or a subclass's own `populate_space` |

A subclass of `Oracle` that overrides ``populate_space(trial_id)``, as custom Keras Tuner
oracles do, picks the configurations itself: it returns ``{"status": "RUNNING", "values":
{...}}`` for a new trial or ``{"status": "STOPPED"}`` to end the search, and may read
``self.hyperparameters`` (the search space, at its defaults), ``self.trials`` and
``self.get_best_trials()``. Its answer runs as it is, even one an earlier trial ran
(``populate_space`` is called once per trial), as in Keras Tuner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ConfigError, SearchSpaceExhausted
from ..schedulers import keras_tuner_brackets
from ..space import SearchSpace
from ..tuners import Tuner as _EngineTuner
from ._hyperparameters import HyperParameters
from ._objective import Objective, create_objective
from ._trials import Trial

if TYPE_CHECKING:
    from ._tuner import Tuner

__all__ = [
    "BayesianOptimizationOracle",
    "GridSearchOracle",
    "HyperbandOracle",
    "Oracle",
    "RandomSearchOracle",
]


class Oracle:
    """The search's objective, trial budget and space, and the hyperscout tuner that picks
    configurations.

    Args:
        objective: a metric name (``"val_accuracy"``), an `Objective`, or a list of them
            (default ``"val_loss"``; `SklearnTuner`'s default is ``"score"``, maximised).
        max_trials: how many trials to run (None: until the tuner or scheduler is done).
        hyperparameters: a `HyperParameters` whose parameters override (or, with
            ``tune_new_entries=False``, are the only ones of) the build function's.
        allow_new_entries: whether the build function may declare parameters not in
            `hyperparameters`.
        tune_new_entries: whether those parameters are searched (else they keep their
            defaults).
        seed: the seed of the configurations drawn.
        max_retries_per_trial: how many times a failing trial is run again.
        max_consecutive_failed_trials: how many failures in a row end the search.
        tuner, tuner_args: a hyperscout tuner by name (``"tpe"``, ``"gp"``, ``"evolution"``,
            ... see docs/tuners.md) and its options.
        scheduler, scheduler_args: a hyperscout scheduler by name (``"fifo"``,
            ``"hyperband"``, ``"asha"``, ``"bohb"``, ...) and its options; a
            multi-fidelity scheduler's budget is the trial's epochs.
    """

    _tuner_name = "random"
    _scheduler = "fifo"

    def __init__(self, objective: Any = None, max_trials: int | None = None,
                 hyperparameters: HyperParameters | None = None,
                 allow_new_entries: bool = True, tune_new_entries: bool = True,
                 seed: int | None = None, max_retries_per_trial: int = 0,
                 max_consecutive_failed_trials: int = 3, *, tuner: str | None = None,
                 tuner_args: dict[str, Any] | None = None, scheduler: str | None = None,
                 scheduler_args: dict[str, Any] | None = None) -> None:
        check_count("max_trials", max_trials, allow_none=True)
        check_count("max_retries_per_trial", max_retries_per_trial, minimum=0)
        check_count("max_consecutive_failed_trials", max_consecutive_failed_trials)
        if hyperparameters is not None and not isinstance(hyperparameters, HyperParameters):
            raise ConfigError(
                f"`hyperparameters` must be a HyperParameters, but got "
                f"{type(hyperparameters).__name__}; build one with kt.HyperParameters().")
        self._objective_given = objective is not None
        self.objective: Objective = create_objective(objective)
        self.max_trials = max_trials
        self._given = hyperparameters
        self.allow_new_entries = allow_new_entries
        self.tune_new_entries = tune_new_entries
        self.seed = seed
        self.max_retries_per_trial = max_retries_per_trial
        self.max_consecutive_failed_trials = max_consecutive_failed_trials
        self.tuner_name = tuner if tuner is not None else self._tuner_name
        self.tuner_args = dict(tuner_args or {})
        self.scheduler = scheduler if scheduler is not None else self._scheduler
        self.scheduler_args = dict(scheduler_args or {})
        self._tuner: Tuner | None = None

    # -- what a subclass may override -----------------------------------------------------
    def populate_space(self, trial_id: str) -> dict[str, Any]:
        """Override to pick configurations yourself, as a Keras Tuner oracle does: return
        ``{"status": "RUNNING", "values": {name: value, ...}}`` for trial `trial_id`, or
        ``{"status": "STOPPED"}`` when the search is done. Parameters left out of
        ``values`` take their defaults. Without an override, `tuner_name` picks them."""
        raise NotImplementedError(
            "populate_space is a hook for Oracle subclasses; hyperscout's own oracles pick "
            "configurations with their hyperscout tuner instead of calling it.")

    def _picks_itself(self) -> bool:
        return type(self).populate_space is not Oracle.populate_space

    def _schedule_entries(self, schedule: dict[str, Any]) -> dict[str, Any]:
        """Entries a scheduled trial's hyperparameters carry beyond ``tuner/epochs``,
        ``tuner/initial_epoch`` and ``tuner/trial_id`` (Hyperband's bracket and round)."""
        return {}

    def _engine_tuner(self, space: SearchSpace, direction: str) -> str | _EngineTuner:
        """What the engine asks for configurations: a tuner name, or an adapter over this
        oracle's own `populate_space`."""
        if self._picks_itself():
            return _PopulateSpaceTuner(space, self, direction=direction, seed=self.seed)
        return self.tuner_name

    # -- the search's trials, once a tuner holds this oracle ------------------------------
    def _bind(self, tuner: Tuner) -> None:
        if self._tuner is not None and self._tuner is not tuner:
            raise ConfigError(
                "this oracle already belongs to another tuner; give each tuner its own "
                "oracle.")
        self._tuner = tuner

    def _bound(self) -> Tuner:
        if self._tuner is None:
            raise ConfigError("this oracle has no trials yet: pass it to a tuner "
                              "(kt.Tuner(oracle=..., hypermodel=...)) and call search().")
        return self._tuner

    @property
    def hyperparameters(self) -> HyperParameters:
        """The search space, as a HyperParameters holding the defaults (before a tuner holds
        this oracle: the `hyperparameters` it was given)."""
        space = self._tuner._space if self._tuner is not None else None
        if space is None:
            return self._given.copy() if self._given is not None else HyperParameters()
        hp = HyperParameters()
        for param in space:
            hp._register(param)
        return hp

    def get_space(self) -> HyperParameters:
        return self.hyperparameters

    @property
    def trials(self) -> dict[str, Trial]:
        """Every trial by id, in order."""
        return {t.trial_id: t for t in self._bound()._trials()}

    def get_trial(self, trial_id: str) -> Trial:
        trials = self.trials
        if str(trial_id) not in trials:
            raise KeyError(f"no trial {trial_id!r}; the trials are {list(trials)}")
        return trials[str(trial_id)]

    @property
    def ongoing_trials(self) -> dict[str, Trial]:
        return {k: t for k, t in self.trials.items() if t.status == "RUNNING"}

    def get_best_trials(self, num_trials: int = 1) -> list[Trial]:
        """The completed trials with the best scores, best first; one per configuration
        (a configuration Hyperband trained at several budgets counts once, at its best)."""
        return self._bound()._best_trials(num_trials)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(objective={self.objective!r}, "
                f"max_trials={self.max_trials!r}, tuner={self.tuner_name!r}, "
                f"scheduler={self.scheduler!r})")


class RandomSearchOracle(Oracle):
    """Random search: each trial draws every parameter from its distribution."""

    def __init__(self, objective: Any = None, max_trials: int | None = 10, seed: int | None = None,
                 hyperparameters: HyperParameters | None = None,
                 allow_new_entries: bool = True, tune_new_entries: bool = True,
                 max_retries_per_trial: int = 0,
                 max_consecutive_failed_trials: int = 3) -> None:
        super().__init__(objective, max_trials, hyperparameters, allow_new_entries,
                         tune_new_entries, seed, max_retries_per_trial,
                         max_consecutive_failed_trials)


class GridSearchOracle(Oracle):
    """Every combination of the parameters' values, in order (`max_trials` None: all of
    them). A `Float` without `step` gets finer and finer points, so it needs `max_trials`."""

    _tuner_name = "grid"

    def __init__(self, objective: Any = None, max_trials: int | None = None,
                 seed: int | None = None, hyperparameters: HyperParameters | None = None,
                 allow_new_entries: bool = True, tune_new_entries: bool = True,
                 max_retries_per_trial: int = 0,
                 max_consecutive_failed_trials: int = 3) -> None:
        super().__init__(objective, max_trials, hyperparameters, allow_new_entries,
                         tune_new_entries, seed, max_retries_per_trial,
                         max_consecutive_failed_trials)


class BayesianOptimizationOracle(Oracle):
    """Bayesian optimisation with hyperscout's Gaussian-process tuner.

    Args:
        num_initial_points: random trials before the model is used (the GP's
            `n_startup_trials`; default: the GP's own).
        alpha, beta: accepted for compatibility and not used: hyperscout's GP fits its
            noise level and chooses by log expected improvement, not by an upper
            confidence bound.
    """

    _tuner_name = "gp"

    def __init__(self, objective: Any = None, max_trials: int | None = 10,
                 num_initial_points: int | None = None, alpha: float = 1e-4,
                 beta: float = 2.6, seed: int | None = None,
                 hyperparameters: HyperParameters | None = None,
                 allow_new_entries: bool = True, tune_new_entries: bool = True,
                 max_retries_per_trial: int = 0,
                 max_consecutive_failed_trials: int = 3) -> None:
        check_count("num_initial_points", num_initial_points, allow_none=True)
        super().__init__(objective, max_trials, hyperparameters, allow_new_entries,
                         tune_new_entries, seed, max_retries_per_trial,
                         max_consecutive_failed_trials,
                         tuner_args=({} if num_initial_points is None
                                     else {"n_startup_trials": num_initial_points}))
        self.num_initial_points = num_initial_points
        self.alpha, self.beta = alpha, beta


class HyperbandOracle(Oracle):
    """Hyperband (Li et al. 2018) over epochs, with Keras Tuner's bracket sizes.

    Args:
        max_epochs: the most epochs one configuration trains.
        factor: each rung keeps the best 1/`factor` of its configurations.
        hyperband_iterations: how many times the whole set of brackets runs.
        max_trials: caps the trials, if given.

    Each trial's hyperparameters carry Keras Tuner's ``tuner/epochs``,
    ``tuner/initial_epoch``, ``tuner/bracket``, ``tuner/round`` and, for a promotion,
    ``tuner/trial_id``.
    """

    _scheduler = "hyperband"

    def __init__(self, objective: Any = None, max_epochs: int = 100, factor: int = 3,
                 hyperband_iterations: int = 1, seed: int | None = None,
                 hyperparameters: HyperParameters | None = None,
                 allow_new_entries: bool = True, tune_new_entries: bool = True,
                 max_retries_per_trial: int = 0, max_consecutive_failed_trials: int = 3,
                 max_trials: int | None = None) -> None:
        super().__init__(objective, max_trials, hyperparameters, allow_new_entries,
                         tune_new_entries, seed, max_retries_per_trial,
                         max_consecutive_failed_trials,
                         scheduler_args={"max_epochs": max_epochs, "factor": factor,
                                         "hyperband_iterations": hyperband_iterations,
                                         "brackets": "keras_tuner"})
        self.max_epochs, self.factor = max_epochs, factor
        self.hyperband_iterations = hyperband_iterations

    def _schedule_entries(self, schedule: dict[str, Any]) -> dict[str, Any]:
        if schedule.get("bracket") is None:
            return {}
        per_iteration = len(keras_tuner_brackets(self.max_epochs, self.factor))
        # Keras Tuner numbers a bracket by its s (the most rungs first), not in order
        return {"tuner/bracket": per_iteration - 1 - schedule["bracket"] % per_iteration,
                "tuner/round": schedule.get("rung", 0)}


class _PopulateSpaceTuner(_EngineTuner):
    """The engine's tuner for an `Oracle` subclass that picks configurations itself."""

    def __init__(self, space: SearchSpace, oracle: Oracle, *, direction: str = "maximize",
                 seed: int | None = None) -> None:
        super().__init__(space, direction=direction, seed=seed)
        self._oracle = oracle

    def _draw_unvisited(self, rng: np.random.Generator) -> dict[str, Any]:
        # the oracle's answer as it is, repeats included, as Keras Tuner runs it: asking
        # again would call the user's (often stateful) `populate_space` more than once
        return self._suggest(rng)

    def _suggest(self, rng: np.random.Generator) -> dict[str, Any]:
        trial_id = str(len(self.trials))
        answer = self._oracle.populate_space(trial_id)
        if not isinstance(answer, dict) or "status" not in answer:
            raise ConfigError(
                f"{type(self._oracle).__name__}.populate_space({trial_id!r}) returned "
                f"{answer!r}; return {{'status': 'RUNNING', 'values': {{...}}}} or "
                "{'status': 'STOPPED'}.")
        status = str(getattr(answer["status"], "value", answer["status"])).upper()
        if status in ("STOPPED", "COMPLETED"):
            raise SearchSpaceExhausted(
                f"{type(self._oracle).__name__}.populate_space ended the search.")
        if status not in ("RUNNING", "IDLE"):
            raise ConfigError(
                f"{type(self._oracle).__name__}.populate_space returned status {status!r}; "
                "use 'RUNNING' for a new trial or 'STOPPED' to end the search.")
        values = dict(answer.get("values") or {})
        unknown = sorted(set(values) - set(self.space.names))
        if unknown:
            raise ConfigError(
                f"{type(self._oracle).__name__}.populate_space returned values for "
                f"{unknown}, which are not in the search space {list(self.space.names)}.")
        # each active parameter takes its given value, else its default
        config = self.space._build(lambda param: values.get(param.name, param.default))
        return self.space.normalize(config)


def check_count(name: str, value: Any, *, minimum: int = 1, allow_none: bool = False) -> None:
    """Raise a ConfigError naming `name` unless `value` is a whole number >= `minimum`."""
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"`{name}` must be a whole number >= {minimum}, but got {value!r}.")
