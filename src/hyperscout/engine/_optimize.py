"""`optimize`: a whole search on a Python callable in one call."""

from __future__ import annotations

import difflib
import inspect
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError
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
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs < 1:
        raise ConfigError(f"`n_jobs` (trials at once) must be a whole number >= 1, but got "
                          f"{n_jobs!r}.")
    _check_options(options)
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


def _check_options(options: dict[str, Any]) -> None:
    """Name an option `Experiment` does not take, with the one that was probably meant
    (Optuna's ``n_trials`` is `max_trials` here)."""
    known = [p for p in inspect.signature(Experiment.__init__).parameters
             if p not in ("self", "trial", "space", "concurrency")]
    known += ["n_jobs", "max_trials", "max_duration"]
    for option in options:
        if option not in known:
            close = _SYNONYMS.get(option) or next(iter(difflib.get_close_matches(option, known,
                                                                                 n=1)), None)
            raise ConfigError(f"optimize() has no option `{option}`"
                              + (f"; did you mean `{close}`?" if close else
                                 f"; its options are: {', '.join(sorted(known))}."))


_SYNONYMS = {"n_trials": "max_trials", "num_samples": "max_trials", "timeout": "max_duration",
             "time_budget_s": "max_duration", "sampler": "tuner", "search_alg": "tuner",
             "mode": "direction", "max_concurrent_trials": "n_jobs", "concurrency": "n_jobs"}
