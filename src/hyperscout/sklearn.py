"""`HyperscoutSearchCV`: scikit-learn's search-CV estimator, driven by a hyperscout tuner.

A drop-in for ``RandomizedSearchCV`` / ``GridSearchCV`` where the next candidates come
from any hyperscout tuner (``"auto"``, ``"gp"``, ``"tpe"``, ...) instead of a fixed list.
It is built on scikit-learn's own `BaseSearchCV`, so cross-validation, scoring (one
metric or several with `refit`), parallel fits, ``cv_results_``, ``best_estimator_`` and
the delegated ``predict`` / ``score`` / ``predict_proba`` behave exactly as scikit-learn's
do. Candidates are asked in batches of `n_jobs` (the tuners keep concurrent suggestions
apart) and each batch's mean test scores are told back before the next is asked.

Unlike the engine's experiments, the trials are not stored: a search CV is one call that
returns a fitted estimator, as in scikit-learn.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from sklearn.model_selection._search import BaseSearchCV

from .errors import ConfigError, SearchSpaceExhausted
from .space import SearchSpace, as_space
from .tuners import Tuner, create

__all__ = ["HyperscoutSearchCV", "as_sklearn_space"]


def as_sklearn_space(space: Any) -> SearchSpace:
    """A `SearchSpace` from a hyperscout space, an NNI search-space dict, or a dict whose
    values are lists (each a choice, as in ``GridSearchCV``'s ``param_grid``)."""
    if isinstance(space, Mapping) and space and all(
            isinstance(v, (list, tuple)) for v in space.values()):
        for name, values in space.items():
            if not values:
                raise ConfigError(f"`search_space` entry {name!r} is an empty list; give it "
                                  "at least one value.")
        space = {name: {"_type": "choice", "_value": list(values)}
                 for name, values in space.items()}
    return as_space(space)


class HyperscoutSearchCV(BaseSearchCV):
    """Search an estimator's hyperparameters by cross-validation with a hyperscout tuner.

    Args:
        estimator: the scikit-learn estimator to tune.
        search_space: an NNI search-space dict (``{"C": {"_type": "loguniform", "_value":
            [1e-3, 1e3]}}``), a dict of lists (choices), or a hyperscout `SearchSpace`.
        tuner: a tuner name (see ``hyperscout.tuners``) or a `Tuner` instance.
        n_trials: how many configurations to cross-validate.
        tuner_args: options for the tuner.
        scoring, n_jobs, refit, cv, verbose, pre_dispatch, error_score,
            return_train_score: as in scikit-learn's ``RandomizedSearchCV``.
        random_state: the tuner's seed.

    Example:
        >>> from sklearn.svm import SVC
        >>> search = HyperscoutSearchCV(
        ...     SVC(), {"C": {"_type": "loguniform", "_value": [1e-2, 1e2]}},
        ...     n_trials=10, cv=3, random_state=0)  # doctest: +SKIP
        >>> search.fit(X, y).best_params_  # doctest: +SKIP
    """

    def __init__(self, estimator: Any, search_space: Any, *, tuner: str | Tuner = "auto",
                 n_trials: int = 20, tuner_args: dict[str, Any] | None = None,
                 scoring: Any = None, n_jobs: int | None = None, refit: Any = True,
                 cv: Any = None, verbose: int = 0, pre_dispatch: str = "2*n_jobs",
                 random_state: int | None = None, error_score: Any = np.nan,
                 return_train_score: bool = False) -> None:
        super().__init__(estimator=estimator, scoring=scoring, n_jobs=n_jobs, refit=refit,
                         cv=cv, verbose=verbose, pre_dispatch=pre_dispatch,
                         error_score=error_score, return_train_score=return_train_score)
        self.search_space = search_space
        self.tuner = tuner
        self.n_trials = n_trials
        self.tuner_args = tuner_args
        self.random_state = random_state

    def _make_tuner(self) -> Tuner:
        if isinstance(self.n_trials, bool) or not isinstance(self.n_trials, int) \
                or self.n_trials < 1:
            raise ConfigError(f"`n_trials` must be a whole number >= 1, but got "
                              f"{self.n_trials!r}.")
        if isinstance(self.tuner, Tuner):
            return self.tuner
        space = as_sklearn_space(self.search_space)
        return create(self.tuner, space, direction="maximize", seed=self.random_state,
                      **(self.tuner_args or {}))

    def _run_search(self, evaluate_candidates: Any) -> None:
        """Ask the tuner for batches of candidates, cross-validate them, tell the scores."""
        tuner = self._make_tuner()
        key = self._score_key()
        batch_size = max(1, _n_workers(self.n_jobs))
        done = 0
        while done < self.n_trials:
            suggestions = []
            try:
                for _ in range(min(batch_size, self.n_trials - done)):
                    suggestions.append(tuner.ask())
            except SearchSpaceExhausted:
                if not suggestions:
                    return  # every configuration of a finite space was tried
            results = evaluate_candidates([dict(s.params) for s in suggestions])
            scores = results[key][-len(suggestions):]
            for suggestion, score in zip(suggestions, scores):
                value = float(score)
                if math.isfinite(value):
                    tuner.tell(suggestion.id, value)
                else:
                    tuner.tell(suggestion.id, None, state="failed")
            done += len(suggestions)

    def _score_key(self) -> str:
        """The cv_results_ column the tuner optimises: the refit metric's mean test score."""
        if callable(self.scoring) or self.scoring is None or isinstance(self.scoring, str):
            return "mean_test_score"
        if isinstance(self.refit, str):
            return f"mean_test_{self.refit}"
        names = sorted(self.scoring) if isinstance(self.scoring, (dict, list, tuple, set)) \
            else self.scoring
        raise ConfigError(
            "with several scoring metrics, `refit` must name the one the tuner optimises "
            f"(one of {names}), but got refit={self.refit!r}.")


def _n_workers(n_jobs: int | None) -> int:
    if n_jobs is None:
        return 1
    if n_jobs < 0:
        import os

        return max(1, (os.cpu_count() or 1) + 1 + n_jobs)
    return n_jobs
