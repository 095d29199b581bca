"""Tuners: the algorithms that decide which config to try next, through ask / tell.

>>> from hyperscout import tuners
>>> tuner = tuners.create("random", {"x": {"_type": "uniform", "_value": [0, 1]}}, seed=1)
>>> s = tuner.ask()
>>> tuner.tell(s.id, s.params["x"] ** 2)

See docs/tuners.md for the guarantees every tuner gives (determinism, no duplicates,
exhaustion) and for custom tuners.
"""

from __future__ import annotations

from ._anneal import AnnealTuner
from ._auto import AutoTuner
from ._base import Suggestion, Tuner, TunerTrial
from ._cmaes import CMAESTuner
from ._evolution import EvolutionTuner
from ._gp import GPTuner
from ._grid import GridTuner
from ._random import RandomTuner
from ._registry import available, create, register
from ._rl import RLTuner
from ._tpe import TPETuner

__all__ = [
    "AnnealTuner",
    "AutoTuner",
    "CMAESTuner",
    "EvolutionTuner",
    "GPTuner",
    "GridTuner",
    "RLTuner",
    "RandomTuner",
    "Suggestion",
    "TPETuner",
    "Tuner",
    "TunerTrial",
    "available",
    "create",
    "register",
]
