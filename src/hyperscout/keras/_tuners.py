"""Keras Tuner's tuners, each backed by a hyperscout tuner or scheduler.

| Keras Tuner | hyperscout |
|---|---|
| `RandomSearch` | the `random` tuner |
| `BayesianOptimization` | the `gp` tuner (Matern-5/2 GP, log expected improvement) |
| `GridSearch` | the `grid` tuner |
| `Hyperband` | the `hyperband` scheduler, with Keras Tuner's bracket sizes, over the `random` tuner; a promoted configuration continues from the weights of its previous rung |

Positional arguments come in Keras Tuner's order, so calls written for keras_tuner work
unchanged; the rest of the arguments are `Tuner`'s.
"""

from __future__ import annotations

from typing import Any

from ..schedulers import keras_tuner_brackets
from ._tuner import Tuner


class RandomSearch(Tuner):
    """Random search: each trial draws every parameter from its distribution.

    Example:
        >>> tuner = RandomSearch(build_model, objective="val_accuracy", max_trials=5,
        ...                      directory="runs", project_name="mnist")  # doctest: +SKIP
        >>> tuner.search(x, y, epochs=3, validation_split=0.2)  # doctest: +SKIP
    """

    _tuner_name = "random"

    def __init__(self, hypermodel: Any = None, objective: Any = None, max_trials: int = 10,
                 seed: int | None = None, hyperparameters: Any = None,
                 tune_new_entries: bool = True, allow_new_entries: bool = True,
                 max_retries_per_trial: int = 0, max_consecutive_failed_trials: int = 3,
                 **kwargs: Any) -> None:
        super().__init__(hypermodel, objective, max_trials, seed=seed,
                         hyperparameters=hyperparameters, tune_new_entries=tune_new_entries,
                         allow_new_entries=allow_new_entries,
                         max_retries_per_trial=max_retries_per_trial,
                         max_consecutive_failed_trials=max_consecutive_failed_trials, **kwargs)


class GridSearch(RandomSearch):
    """Every combination of the parameters' values, in order (`max_trials` None: all of
    them). Continuous parameters need a `step`. Arguments as for `RandomSearch`."""

    _tuner_name = "grid"

    def __init__(self, hypermodel: Any = None, objective: Any = None,
                 max_trials: int | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(hypermodel, objective, max_trials, *args, **kwargs)  # type: ignore[arg-type]


class BayesianOptimization(Tuner):
    """Bayesian optimisation with hyperscout's Gaussian-process tuner.

    Args:
        num_initial_points: random trials before the model is used (the GP's
            `n_startup_trials`; default: the GP's own).
        alpha, beta: accepted for compatibility and not used: hyperscout's GP fits its
            noise level and chooses by log expected improvement, not by an upper
            confidence bound.
    """

    _tuner_name = "gp"

    def __init__(self, hypermodel: Any = None, objective: Any = None, max_trials: int = 10,
                 num_initial_points: int | None = None, alpha: float = 1e-4,
                 beta: float = 2.6, seed: int | None = None, hyperparameters: Any = None,
                 tune_new_entries: bool = True, allow_new_entries: bool = True,
                 max_retries_per_trial: int = 0, max_consecutive_failed_trials: int = 3,
                 **kwargs: Any) -> None:
        tuner_args = dict(kwargs.pop("tuner_args", None) or {})
        if num_initial_points is not None:
            tuner_args["n_startup_trials"] = num_initial_points
        super().__init__(hypermodel, objective, max_trials, seed=seed,
                         hyperparameters=hyperparameters, tune_new_entries=tune_new_entries,
                         allow_new_entries=allow_new_entries,
                         max_retries_per_trial=max_retries_per_trial,
                         max_consecutive_failed_trials=max_consecutive_failed_trials,
                         tuner_args=tuner_args, **kwargs)
        self.alpha, self.beta = alpha, beta


class Hyperband(Tuner):
    """Hyperband (Li et al. 2018): brackets of successive halving over epochs.

    Args:
        max_epochs: the most epochs one configuration trains.
        factor: each rung keeps the best 1/`factor` of its configurations.
        hyperband_iterations: how many times the whole set of brackets runs.

    The brackets are sized as Keras Tuner sizes them (see
    `hyperscout.schedulers.keras_tuner_brackets`), so a search moved from it trains as
    many configurations for as many epochs. The plan is printed when the search starts; a
    promoted configuration continues from the weights its previous rung ended with,
    training only the epochs it has not had. `max_trials`, if given, caps the trials. Each
    trial's hyperparameters carry Keras Tuner's ``tuner/epochs``, ``tuner/initial_epoch``,
    ``tuner/bracket``, ``tuner/round`` and, for a promotion, ``tuner/trial_id``.
    """

    _tuner_name = "random"
    _scheduler = "hyperband"

    def __init__(self, hypermodel: Any = None, objective: Any = None, max_epochs: int = 100,
                 factor: int = 3, hyperband_iterations: int = 1, seed: int | None = None,
                 hyperparameters: Any = None, tune_new_entries: bool = True,
                 allow_new_entries: bool = True, max_retries_per_trial: int = 0,
                 max_consecutive_failed_trials: int = 3, max_trials: int | None = None,
                 **kwargs: Any) -> None:
        scheduler_args = {"max_epochs": max_epochs, "factor": factor,
                          "hyperband_iterations": hyperband_iterations,
                          "brackets": "keras_tuner"}
        super().__init__(hypermodel, objective, max_trials, seed=seed,
                         hyperparameters=hyperparameters, tune_new_entries=tune_new_entries,
                         allow_new_entries=allow_new_entries,
                         max_retries_per_trial=max_retries_per_trial,
                         max_consecutive_failed_trials=max_consecutive_failed_trials,
                         scheduler_args=scheduler_args, **kwargs)
        self.max_epochs, self.factor = max_epochs, factor
        self.hyperband_iterations = hyperband_iterations

    def _schedule_entries(self, schedule: dict[str, Any]) -> dict[str, Any]:
        entries = super()._schedule_entries(schedule)
        if entries and schedule.get("bracket") is not None:
            per_iteration = len(keras_tuner_brackets(self.max_epochs, self.factor))
            # Keras Tuner numbers a bracket by its s (the most rungs first), not in order
            entries["tuner/bracket"] = per_iteration - 1 - schedule["bracket"] % per_iteration
            entries["tuner/round"] = schedule.get("rung", 0)
        return entries
