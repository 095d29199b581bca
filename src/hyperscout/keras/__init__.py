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

from . import errors, oracles, tuners
from ._callbacks import ReportCallback
from ._hypermodel import HyperModel
from ._hyperparameters import HyperParameters
from ._objective import MultiObjective, Objective
from ._trials import Trial
from ._tuner import Tuner
from .oracles import Oracle
from .tuners import (
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
