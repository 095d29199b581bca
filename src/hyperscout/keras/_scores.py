"""A trial's result from what `run_trial` / ``fit`` returned: ``{"default": score, ...}``.

A Keras History scores by its best epoch (the objective's direction decides which), a dict
of metrics by its objective entry, a number is the objective itself, and a list (one per
execution) averages the metrics the executions share.
"""

from __future__ import annotations

from typing import Any

from ._callbacks import finite_logs
from ._objective import Objective
from .errors import FailedTrialError, FatalError


def trial_metrics(results: Any, objective: Objective) -> dict[str, float]:
    """The trial's result for the engine: ``{"default": score, metric: value, ...}``."""
    if isinstance(results, list) and results:
        each = [trial_metrics(r, objective) for r in results]
        keys = set.intersection(*(set(m) for m in each))
        return {k: sum(m[k] for m in each) / len(each) for k in sorted(keys)}
    if isinstance(results, bool) or results is None or isinstance(results, list):
        raise FailedTrialError(
            f"run_trial returned {results!r}; return a Keras History, a dict of metrics "
            "or the objective's value as a number.")
    if isinstance(results, (int, float)):
        return {"default": float(results)}
    history = getattr(results, "history", None)
    if isinstance(history, dict):
        return best_epoch(history, objective)
    if isinstance(results, dict):
        values = finite_logs(results)
        score = objective.value(values)
        if score is None:
            raise FatalError(
                f"the metrics returned by run_trial / fit ({sorted(results)}) lack the "
                f"objective {objective!r}; include it, or set the tuner's objective "
                "to one of them.")
        return {"default": score, **values}
    raise FailedTrialError(
        f"run_trial returned a {type(results).__name__}; return a Keras History, a dict "
        "of metrics or the objective's value as a number.")


def best_epoch(history: dict[str, list[Any]], objective: Objective) -> dict[str, float]:
    """The metrics of the epoch with the best finite objective."""
    epochs = max((len(v) for v in history.values()), default=0)
    best: dict[str, float] | None = None
    for i in range(epochs):
        row = finite_logs({k: v[i] for k, v in history.items() if i < len(v)})
        score = objective.value(row)
        if score is not None and (best is None or objective.better(score, best["default"])):
            best = {"default": score, **row}
    if best is None:
        raise FailedTrialError(
            f"no epoch reported a finite value of the objective {objective!r} "
            f"(the history has {sorted(history)}).")
    return best
