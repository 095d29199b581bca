"""Keras Tuner's tuners, each a `Tuner` over the oracle of the same name (see
`hyperscout.keras.oracles` for the hyperscout tuner or scheduler behind each).

Positional arguments come in Keras Tuner's order, so calls written for keras_tuner work
unchanged; the oracle takes the search's arguments (objective, trials, seed, space,
retries), and the rest are `Tuner`'s (directory, project_name, overwrite,
executions_per_trial, ...).
"""

from __future__ import annotations

from typing import Any

from ._hyperparameters import HyperParameters
from ._sklearn_tuner import SklearnTuner
from ._tuner import Tuner
from .oracles import (
    BayesianOptimizationOracle,
    GridSearchOracle,
    HyperbandOracle,
    RandomSearchOracle,
)

__all__ = ["BayesianOptimization", "GridSearch", "Hyperband", "RandomSearch", "SklearnTuner",
           "Tuner"]


class RandomSearch(Tuner):
    """Random search: each trial draws every parameter from its distribution.

    Example:
        >>> tuner = RandomSearch(build_model, objective="val_accuracy", max_trials=5,
        ...                      directory="runs", project_name="mnist")  # doctest: +SKIP
        >>> tuner.search(x, y, epochs=3, validation_split=0.2)  # doctest: +SKIP
    """

    def __init__(self, hypermodel: Any = None, objective: Any = None, max_trials: int = 10,
                 seed: int | None = None, hyperparameters: HyperParameters | None = None,
                 tune_new_entries: bool = True, allow_new_entries: bool = True,
                 max_retries_per_trial: int = 0, max_consecutive_failed_trials: int = 3,
                 **kwargs: Any) -> None:
        oracle = RandomSearchOracle(
            objective, max_trials, seed, hyperparameters, allow_new_entries,
            tune_new_entries, max_retries_per_trial, max_consecutive_failed_trials)
        super().__init__(oracle, hypermodel, **kwargs)


class GridSearch(Tuner):
    """Every combination of the parameters' values, in order (`max_trials` None: all of
    them). Continuous parameters need a `step`. Arguments as for `RandomSearch`."""

    def __init__(self, hypermodel: Any = None, objective: Any = None,
                 max_trials: int | None = None, seed: int | None = None,
                 hyperparameters: HyperParameters | None = None,
                 tune_new_entries: bool = True, allow_new_entries: bool = True,
                 max_retries_per_trial: int = 0, max_consecutive_failed_trials: int = 3,
                 **kwargs: Any) -> None:
        oracle = GridSearchOracle(
            objective, max_trials, seed, hyperparameters, allow_new_entries,
            tune_new_entries, max_retries_per_trial, max_consecutive_failed_trials)
        super().__init__(oracle, hypermodel, **kwargs)


class BayesianOptimization(Tuner):
    """Bayesian optimisation with hyperscout's Gaussian-process tuner.

    Args:
        num_initial_points: random trials before the model is used (the GP's
            `n_startup_trials`; default: the GP's own).
        alpha, beta: accepted for compatibility and not used: hyperscout's GP fits its
            noise level and chooses by log expected improvement, not by an upper
            confidence bound.
    """

    def __init__(self, hypermodel: Any = None, objective: Any = None, max_trials: int = 10,
                 num_initial_points: int | None = None, alpha: float = 1e-4,
                 beta: float = 2.6, seed: int | None = None,
                 hyperparameters: HyperParameters | None = None,
                 tune_new_entries: bool = True, allow_new_entries: bool = True,
                 max_retries_per_trial: int = 0, max_consecutive_failed_trials: int = 3,
                 **kwargs: Any) -> None:
        oracle = BayesianOptimizationOracle(
            objective, max_trials, num_initial_points, alpha, beta, seed, hyperparameters,
            allow_new_entries, tune_new_entries, max_retries_per_trial,
            max_consecutive_failed_trials)
        super().__init__(oracle, hypermodel, **kwargs)


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

    def __init__(self, hypermodel: Any = None, objective: Any = None, max_epochs: int = 100,
                 factor: int = 3, hyperband_iterations: int = 1, seed: int | None = None,
                 hyperparameters: HyperParameters | None = None,
                 tune_new_entries: bool = True, allow_new_entries: bool = True,
                 max_retries_per_trial: int = 0, max_consecutive_failed_trials: int = 3,
                 max_trials: int | None = None, **kwargs: Any) -> None:
        oracle = HyperbandOracle(
            objective, max_epochs, factor, hyperband_iterations, seed, hyperparameters,
            allow_new_entries, tune_new_entries, max_retries_per_trial,
            max_consecutive_failed_trials, max_trials)
        super().__init__(oracle, hypermodel, **kwargs)

    @property
    def max_epochs(self) -> int:
        return self.oracle.max_epochs  # type: ignore[attr-defined, no-any-return]

    @property
    def factor(self) -> int:
        return self.oracle.factor  # type: ignore[attr-defined, no-any-return]

    @property
    def hyperband_iterations(self) -> int:
        return self.oracle.hyperband_iterations  # type: ignore[attr-defined, no-any-return]
