"""Schedulers: which configuration runs next, with what budget, continuing which trial.

>>> from hyperscout import tuners, schedulers
>>> tuner = tuners.create("random", {"lr": {"_type": "loguniform", "_value": [1e-4, 1e-1]}})
>>> hb = schedulers.create_scheduler("hyperband", tuner, max_epochs=27, factor=3)
>>> hb.plan().trials
69

See docs/schedulers.md.
"""

from __future__ import annotations

from ._asha import ASHA
from ._base import BUDGET_KEY, Job, JobOutcome, Scheduler
from ._bohb import BOHB
from ._fifo import Fifo
from ._hyperband import Hyperband, hyperband_brackets, keras_tuner_brackets
from ._pbt import PBT
from ._plan import Bracket, BudgetPlan, Rung
from ._registry import available_schedulers, create_scheduler

__all__ = [
    "ASHA",
    "BOHB",
    "BUDGET_KEY",
    "PBT",
    "Bracket",
    "BudgetPlan",
    "Fifo",
    "Hyperband",
    "Job",
    "JobOutcome",
    "Rung",
    "Scheduler",
    "available_schedulers",
    "create_scheduler",
    "hyperband_brackets",
    "keras_tuner_brackets",
]
