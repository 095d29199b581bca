"""`SklearnTuner`: Keras Tuner's cross-validated search over scikit-learn models.

Each trial builds an estimator from its hyperparameters, fits and scores it on every split
of `cv`, and reports the mean over the splits: ``score`` (the estimator's own `score`, or
`scoring`), plus one entry per function of `metrics`. The last split's fitted estimator
is pickled in the trial's folder, which is what `get_best_models` returns, as in Keras
Tuner. scikit-learn is needed only here (the ``sklearn`` extra).
"""

from __future__ import annotations

import pickle
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigError
from ._objective import Objective
from ._tuner import Tuner
from .errors import FailedTrialError
from .oracles import Oracle

MODEL_FILE = "model.pickle"  # the last split's fitted estimator, in the trial's folder


class SklearnTuner(Tuner):
    """Search scikit-learn estimators with cross-validation.

    Args:
        oracle: which configurations to try (a `kt.oracles.*Oracle`). Without an objective
            of its own, the oracle maximises ``"score"``.
        hypermodel: a function ``build(hp)`` (or a `HyperModel`) returning an unfitted
            estimator or pipeline.
        scoring: a scorer ``scoring(estimator, X, y) -> float`` (for example
            ``sklearn.metrics.make_scorer(...)``) or a scikit-learn scorer name
            (``"f1_macro"``); default: the estimator's `score`.
        metrics: functions ``metric(y_true, y_pred) -> float`` reported alongside the
            score, under their ``__name__``.
        cv: a scikit-learn splitter; default ``KFold(5, shuffle=True, random_state=1)``.
        **kwargs: `Tuner`'s (directory, project_name, overwrite, ...).

    Example:
        >>> tuner = SklearnTuner(
        ...     oracle=kt.oracles.BayesianOptimizationOracle(
        ...         objective=kt.Objective("score", "max"), max_trials=10),
        ...     hypermodel=build_model, directory="runs", project_name="forest")  # doctest: +SKIP
        >>> tuner.search(X, y)  # doctest: +SKIP
    """

    def __init__(self, oracle: Oracle, hypermodel: Any, scoring: Callable[..., float] | None = None,
                 metrics: Sequence[Callable[..., float]] | Callable[..., float] | None = None,
                 cv: Any = None, **kwargs: Any) -> None:
        if hypermodel is None:
            raise ConfigError("SklearnTuner needs `hypermodel`: a function build(hp) that "
                              "returns an unfitted scikit-learn estimator.")
        if isinstance(oracle, Oracle) and not oracle._objective_given:
            oracle.objective = Objective("score", "max")
        if isinstance(scoring, str):
            scoring = _named_scorer(scoring)
        if scoring is not None and not callable(scoring):
            raise ConfigError(
                f"`scoring` must be a scorer called as scoring(estimator, X, y) or a "
                f"scikit-learn scorer name, but got {scoring!r}; wrap a metric with "
                "sklearn.metrics.make_scorer.")
        metrics = [] if metrics is None else list(metrics) if isinstance(metrics, (list, tuple)) else [metrics]
        for metric in metrics:
            if not callable(metric):
                raise ConfigError(
                    f"each of `metrics` must be a function metric(y_true, y_pred), but got "
                    f"{metric!r}.")
        if cv is None:
            from sklearn.model_selection import KFold

            cv = KFold(5, shuffle=True, random_state=1)
        if not hasattr(cv, "split"):
            raise ConfigError(
                f"`cv` must be a scikit-learn splitter (KFold, StratifiedKFold, ...), but got "
                f"{cv!r}.")
        self.scoring = scoring
        self.metrics = metrics
        self.cv = cv
        super().__init__(oracle, hypermodel, **kwargs)

    def search(self, X: Any, y: Any = None, sample_weight: Any = None,
               groups: Any = None, **kwargs: Any) -> None:
        """Run the trials, each fitted and scored on every split of `cv`."""
        super().search(X, y, sample_weight=sample_weight, groups=groups, **kwargs)

    def run_trial(self, trial: Any, X: Any, y: Any = None, sample_weight: Any = None,
                  groups: Any = None, **kwargs: Any) -> dict[str, float]:
        """Fit and score one estimator per split; return the metrics' means."""
        from sklearn.pipeline import Pipeline

        values: dict[str, list[float]] = {"score": []}
        model = None
        for train, test in self.cv.split(X, y, groups):
            model = self.hypermodel.build(trial.hyperparameters)  # type: ignore[union-attr]
            if model is None:
                raise FailedTrialError("the build function returned None; return an estimator.")
            x_train, x_test = _rows(X, train), _rows(X, test)
            y_train, y_test = _rows(y, train), _rows(y, test)
            if sample_weight is None or isinstance(model, Pipeline):
                model.fit(x_train, y_train)
            else:
                model.fit(x_train, y_train, sample_weight=_rows(sample_weight, train))
            score = (model.score(x_test, y_test) if self.scoring is None
                     else self.scoring(model, x_test, y_test))
            values["score"].append(float(score))
            if self.metrics:
                predicted = model.predict(x_test)
                for metric in self.metrics:
                    values.setdefault(metric.__name__, []).append(float(metric(y_test, predicted)))
        if model is None:
            raise ConfigError(f"`cv` ({self.cv!r}) gave no splits of the data.")
        self.save_model(trial.trial_id, model, trial.directory)
        return {name: float(np.mean(v)) for name, v in values.items()}

    def save_model(self, trial_id: str, model: Any, directory: Path | None = None) -> None:
        """Pickle the fitted estimator in the trial's folder."""
        folder = directory if directory is not None else self.get_trial_dir(trial_id)
        path = Path(folder) / MODEL_FILE
        try:
            data = pickle.dumps(model)
        except Exception as exc:  # noqa: BLE001 - the score stands without the model
            warnings.warn(f"trial {trial_id}'s model cannot be pickled ({exc}), so "
                          "get_best_models cannot return it; its score is kept.", stacklevel=2)
            return
        path.write_bytes(data)

    def load_model(self, trial: Any) -> Any:
        """The trial's fitted estimator (of its last split)."""
        path = Path(trial.directory) / MODEL_FILE
        if not path.exists():
            raise FileNotFoundError(
                f"trial {trial.trial_id} saved no model ({path} is missing); rebuild one from "
                "get_best_hyperparameters() and fit it instead.")
        with open(path, "rb") as f:
            return pickle.load(f)


def _named_scorer(name: str) -> Callable[..., float]:
    from sklearn.metrics import get_scorer

    try:
        return get_scorer(name)  # type: ignore[no-any-return]
    except ValueError:
        raise ConfigError(
            f"`scoring` {name!r} is not a scikit-learn scorer name; use one of "
            f"sklearn.metrics.get_scorer_names() (such as 'accuracy', 'f1_macro', "
            f"'neg_mean_squared_error'), or pass a scorer function.") from None


def _rows(data: Any, index: Any) -> Any:
    """The rows `index` of an array, a pandas object or a list (None stays None)."""
    if data is None:
        return None
    if hasattr(data, "iloc"):
        return data.iloc[index]
    if isinstance(data, (list, tuple)):
        return [data[i] for i in index]
    return data[index]
