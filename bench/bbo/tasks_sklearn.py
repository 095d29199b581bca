"""Three real tuning tasks on scikit-learn's bundled data sets, scored by 3-fold CV.

The loss is the negative mean CV accuracy, so it is minimised like the synthetic problems.
The folds are fixed (shuffled once with seed 0), so a config always gets the same loss and
the tuners see a deterministic objective. Each evaluation takes well under a second on one
core: the data sets are small or subsampled and the models are capped (`max_iter`).
There is no known optimum: the report uses the best loss any tuner found in the run.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
from problems import Problem

N_FOLDS = 3
SVM_SAMPLES = 1000  # digits rows the SVM task uses (of 1797), stratified
MLP_SAMPLES = 600  # digits rows the MLP task uses


@functools.cache
def _data(name: str, n_samples: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    from sklearn import datasets
    from sklearn.model_selection import train_test_split

    x, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    if n_samples is not None and n_samples < len(y):
        x, _, y, _ = train_test_split(x, y, train_size=n_samples, stratify=y, random_state=0)
    return x, y


def _cv_loss(model: Any, x: np.ndarray, y: np.ndarray) -> float:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    folds = StratifiedKFold(N_FOLDS, shuffle=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", RuntimeWarning)  # overflow in a diverging MLP
        scores = cross_val_score(model, x, y, cv=folds, n_jobs=1, error_score=0.0)
    loss = -float(np.mean(scores))
    return loss if np.isfinite(loss) else 0.0  # a failed fit counts as accuracy 0


# -- SVM on digits --------------------------------------------------------------------------
SVM_SPACE: dict[str, Any] = {
    "C": {"_type": "loguniform", "_value": [1e-2, 1e4]},
    "gamma": {"_type": "loguniform", "_value": [1e-5, 1e1]},
    "kernel": {"_type": "choice", "_value": ["rbf", "poly", "sigmoid"]},
}


def svm_digits(params: Mapping[str, Any]) -> float:
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    svc = SVC(C=params["C"], gamma=params["gamma"], kernel=params["kernel"], max_iter=5_000)
    return _cv_loss(make_pipeline(StandardScaler(), svc), *_data("digits", SVM_SAMPLES))


# -- HistGradientBoosting on breast_cancer -------------------------------------------------
HGB_SPACE: dict[str, Any] = {
    "learning_rate": {"_type": "loguniform", "_value": [1e-3, 1.0]},
    "max_iter": {"_type": "quniform", "_value": [10, 100, 10]},
    "max_leaf_nodes": {"_type": "randint", "_value": [4, 33]},
    "min_samples_leaf": {"_type": "randint", "_value": [2, 51]},
    "l2_regularization": {"_type": "loguniform", "_value": [1e-6, 10.0]},
    "max_features": {"_type": "uniform", "_value": [0.2, 1.0]},
}


def hgb_cancer(params: Mapping[str, Any]) -> float:
    from sklearn.ensemble import HistGradientBoostingClassifier

    model = HistGradientBoostingClassifier(
        learning_rate=params["learning_rate"],
        max_iter=round(params["max_iter"]),
        max_leaf_nodes=int(params["max_leaf_nodes"]),
        min_samples_leaf=int(params["min_samples_leaf"]),
        l2_regularization=params["l2_regularization"],
        max_features=params["max_features"],
        early_stopping=False,
        random_state=0,
    )
    return _cv_loss(model, *_data("breast_cancer"))


# -- MLP on digits -------------------------------------------------------------------------
MLP_SPACE: dict[str, Any] = {
    "n_units": {"_type": "randint", "_value": [16, 65]},
    "n_layers": {"_type": "choice", "_value": [1, 2]},
    "alpha": {"_type": "loguniform", "_value": [1e-6, 1e-1]},
    "learning_rate_init": {"_type": "loguniform", "_value": [1e-4, 1e-1]},
    "activation": {"_type": "choice", "_value": ["relu", "tanh"]},
    "batch_size": {"_type": "choice", "_value": [32, 64, 128]},
}


def mlp_digits(params: Mapping[str, Any]) -> float:
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    mlp = MLPClassifier(
        hidden_layer_sizes=(int(params["n_units"]),) * int(params["n_layers"]),
        alpha=params["alpha"],
        learning_rate_init=params["learning_rate_init"],
        activation=params["activation"],
        batch_size=int(params["batch_size"]),
        max_iter=20,
        random_state=0,
    )
    return _cv_loss(make_pipeline(StandardScaler(), mlp), *_data("digits", MLP_SAMPLES))


def real_problems() -> list[Problem]:
    """The three tuning tasks (optimum None: the best loss seen in the run stands in)."""
    return [
        Problem("svm-digits", SVM_SPACE, svm_digits, None, "real"),
        Problem("hgb-cancer", HGB_SPACE, hgb_cancer, None, "real"),
        Problem("mlp-digits", MLP_SPACE, mlp_digits, None, "real"),
    ]
