"""Keras Tuner's API on hyperscout: change ``import keras_tuner as kt`` to
``import hyperscout.keras as kt`` and the same code runs, with every trial stored as a
hyperscout trial (``hyperscout trial ls ID --storage DIRECTORY/PROJECT``).

Keras 3 with any backend; when the backend Keras is set to use is not installed,
hyperscout picks an installed one (torch, jax, tensorflow) before Keras loads. See
docs/keras.md.
"""

from __future__ import annotations

from ._backend import choose_backend

choose_backend()

from . import errors, oracles, tuners  # noqa: E402
from ._callbacks import ReportCallback  # noqa: E402
from ._hypermodel import HyperModel  # noqa: E402
from ._hyperparameters import HyperParameters  # noqa: E402
from ._objective import MultiObjective, Objective  # noqa: E402
from ._trials import Trial  # noqa: E402
from ._tuner import Tuner  # noqa: E402
from .oracles import Oracle  # noqa: E402
from .tuners import (  # noqa: E402
    BayesianOptimization,
    GridSearch,
    Hyperband,
    RandomSearch,
    SklearnTuner,
)

__all__ = [
    "BayesianOptimization",
    "GridSearch",
    "HyperModel",
    "HyperParameters",
    "Hyperband",
    "MultiObjective",
    "Objective",
    "Oracle",
    "RandomSearch",
    "ReportCallback",
    "SklearnTuner",
    "Trial",
    "Tuner",
    "errors",
    "oracles",
    "tuners",
]
