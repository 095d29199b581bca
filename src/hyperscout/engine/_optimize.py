"""`optimize`: a whole search on a Python callable in one call."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..store import Store, TrialRecord
from ._experiment import Experiment


@dataclass(frozen=True)
class OptimizeResult:
    """What `optimize` found: the best trial's parameters and value, and every trial."""

    experiment_id: str
    best_params: dict[str, Any] | None
    best_value: float | None
    trials: list[TrialRecord]


def optimize(fn: Callable[..., Any], space: Any, *, tuner: str = "auto",
             max_trials: int | None = 20, direction: str = "maximize", n_jobs: int = 1,
             seed: int | None = None, max_duration: float | str | None = None,
             storage: str | os.PathLike[str] | Store | None = None,
             progress: bool | None = None, **options: Any) -> OptimizeResult:
    """Search `space` for the parameters that maximise (or minimise) ``fn(params)``.

    Each call of `fn` is a trial in its own worker process (`n_jobs` at once), stored like
    any experiment, so `hyperscout experiment show ID` shows it afterwards.

    >>> result = optimize(lambda p: -(p["x"] - 2) ** 2,
    ...                   {"x": {"_type": "uniform", "_value": [-5, 5]}},
    ...                   max_trials=10, seed=1, storage=tmp_path)  # doctest: +SKIP
    """
    exp = Experiment(fn, space, tuner=tuner, max_trials=max_trials, direction=direction,
                     concurrency=n_jobs, seed=seed, max_duration=max_duration, storage=storage,
                     progress=progress, **options)
    exp.run()
    best = exp.best_trial
    assert exp.id is not None
    trials = exp.trials()
    if best is None and trials:
        first = next((t for t in trials if t.reason), trials[0])
        warnings.warn(
            f"no trial of experiment {exp.id} has a result, so best_params and best_value are "
            f"None; trial {first.number} ended {first.state}"
            + (f": {first.reason}" if first.reason else "")
            + f". Its log: `hyperscout log trial {exp.id} {first.number} --stderr`.",
            RuntimeWarning, stacklevel=2)
    return OptimizeResult(exp.id, best.params if best else None, best.value if best else None,
                          trials)
