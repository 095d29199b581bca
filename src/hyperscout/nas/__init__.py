"""Neural architecture search on PyTorch models (needs the ``torch`` extra).

A model space is an ordinary ``nn.Module`` whose construction uses search primitives
(`LayerChoice`, `InputChoice`, `ValueChoice`, `Repeat`, `Cell`). `ModelSpace` turns it into
a hyperscout `SearchSpace` (so every tuner can search it) and freezes architectures into
plain models; `search` runs a multi-trial search in which each architecture is a trial,
or a one-shot search (`SPOS`, `DARTS`, `ENAS`) that trains one weight-sharing supernet.
See docs/nas.md.
"""

from __future__ import annotations

from ._cell import Cell, FrozenCell
from ._darts import DARTS
from ._enas import ENAS
from ._fast_trainer import FastTrainer, TrainResult
from ._lightning import LightningEvaluator
from ._model_space import (
    Architecture,
    ModelSpace,
    activate,
    load_architecture,
    save_architecture,
)
from ._oneshot import OneShotResult, OneShotStrategy, Retrained, retrain
from ._primitives import InputChoice, LayerChoice, Repeat, SelectedInputs, ValueChoice
from ._resnet9 import ResNet9, resnet9_space
from ._search import Evaluation, NasResult, get_next_model, search
from ._shapes import ShapeError
from ._shared import SharedSupernet
from ._spos import SPOS, RandomOneShot
from ._strategies import (
    GP,
    TPE,
    GridSearch,
    PolicyBasedRL,
    Random,
    RegularizedEvolution,
    Strategy,
)
from ._training import Classification

__all__ = [
    "DARTS",
    "ENAS",
    "GP",
    "SPOS",
    "TPE",
    "Architecture",
    "Cell",
    "Classification",
    "Evaluation",
    "FastTrainer",
    "FrozenCell",
    "GridSearch",
    "InputChoice",
    "LayerChoice",
    "LightningEvaluator",
    "ModelSpace",
    "NasResult",
    "OneShotResult",
    "OneShotStrategy",
    "PolicyBasedRL",
    "Random",
    "RandomOneShot",
    "RegularizedEvolution",
    "Repeat",
    "ResNet9",
    "Retrained",
    "SelectedInputs",
    "ShapeError",
    "SharedSupernet",
    "Strategy",
    "TrainResult",
    "ValueChoice",
    "activate",
    "get_next_model",
    "load_architecture",
    "resnet9_space",
    "retrain",
    "save_architecture",
    "search",
]
