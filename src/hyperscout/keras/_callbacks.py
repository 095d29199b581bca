"""Keras callbacks that talk to hyperscout's trial API.

`ReportCallback` is for NNI-style trial scripts run by an experiment (``hyperscout create
--config``): it reports each epoch's logs as an intermediate result and the objective as
the final result. `_TrialCallback` is what the tuners of this package add to every fit:
it also keeps the best epoch's weights for `get_best_models` and lets an early stop, a
kill or a timeout from the engine end the fit between batches.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import keras

from .. import trial as trial_api
from ._objective import Objective, create_objective
from .errors import FatalError

_STOP_CHECK_SECONDS = 1.0  # how often a running epoch looks for the engine's stop request


def finite_logs(logs: dict[str, Any] | None) -> dict[str, float]:
    """The numeric, finite entries of a Keras logs dict, as floats."""
    out = {}
    for name, value in (logs or {}).items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            continue
        if math.isfinite(number):
            out[name] = number
    return out


def missing_metrics(objective: Objective, logs: dict[str, Any] | None) -> list[str]:
    """The objective's metric names that `logs` lacks."""
    return [name for name in objective.names if name not in (logs or {})]


def missing_objective_message(objective: Objective, logs: dict[str, Any]) -> str:
    names = sorted(finite_logs(logs))
    missing = missing_metrics(objective, logs)
    hint = (" Pass validation_data= or validation_split= to search() so that Keras "
            "computes validation metrics," if any(m.startswith("val_") for m in missing)
            else "")
    return (f"the objective's metric {', '.join(map(repr, missing))} is not in the "
            "training logs, which have "
            f"{names}.{hint} or choose one of those names as the objective (and make sure "
            "the model is compiled with the metric).")


class ReportCallback(keras.callbacks.Callback):
    """Report a Keras fit to hyperscout (or NNI-style) experiments.

    Args:
        objective: the metric that is the trial's result (a name in the logs, or an
            `Objective`); the other logged metrics travel with it.
        final: ``"last"`` reports the last epoch's value as the final result when training
            ends, ``"best"`` the best epoch's, None reports no final result (the script
            does it itself).

    Example:
        >>> model.fit(x, y, validation_split=0.2,
        ...           callbacks=[ReportCallback("val_accuracy")])  # doctest: +SKIP
    """

    def __init__(self, objective: str | Objective = "val_accuracy", *,
                 final: str | None = "last") -> None:
        super().__init__()
        if final not in ("last", "best", None):
            raise ValueError(f"`final` must be 'last', 'best' or None, but got {final!r}.")
        self.objective = create_objective(objective)
        self.final = final
        self._last: dict[str, float] | None = None
        self._best: dict[str, float] | None = None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        values = finite_logs(logs)
        value = self.objective.value(values)
        if value is None:
            if missing_metrics(self.objective, logs):
                raise KeyError(missing_objective_message(self.objective, logs or {}))
            return  # NaN or infinite this epoch: nothing to report
        metrics = {"default": value, **values}
        self._last = metrics
        if self._best is None or self.objective.better(value, self._best["default"]):
            self._best = metrics
        trial_api.report_intermediate_result(metrics, step=epoch + 1)

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        chosen = self._last if self.final == "last" else self._best
        if self.final is not None and chosen is not None:
            trial_api.report_final_result(chosen)


class _TrialCallback(keras.callbacks.Callback):
    """Added by the tuners to each fit of a trial (see the module docstring)."""

    def __init__(self, run: Any, execution: int) -> None:
        super().__init__()
        self.run = run  # the tuner's _TrialRun: objective, best so far, where to save
        self.execution = execution
        self._next_check = time.monotonic() + _STOP_CHECK_SECONDS

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        now = time.monotonic()
        if now >= self._next_check:
            self._next_check = now + _STOP_CHECK_SECONDS
            trial_api._current().check_stop()  # raises TrialStopped when asked to stop

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        values = finite_logs(logs)
        objective: Objective = self.run.objective
        if missing_metrics(objective, logs):
            raise FatalError(missing_objective_message(objective, logs or {}))
        value = objective.value(values)
        if value is not None and self.run.is_best(value):
            save_weights(self.model, self.run.best_weights)
        if self.execution == 0 and value is not None:
            trial_api.report_intermediate_result({"default": value, **values}, step=epoch + 1)


def save_weights(model: Any, path: Path) -> None:
    """Save `model`'s weights atomically (a kill mid-write leaves the old file)."""
    tmp = path.with_name(path.name.replace(".weights.h5", ".tmp.weights.h5"))
    model.save_weights(str(tmp))
    tmp.replace(path)
