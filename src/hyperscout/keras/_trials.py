"""Keras Tuner's `Trial` and its per-epoch metrics, read from the store.

Keras Tuner keeps its trials in an in-memory oracle saved to JSON files; hyperscout keeps
them in the experiment's store, so a `Trial` here is a read-only view of a stored trial
record, rebuilt on every access: what `hyperscout trial ls` shows and what
``tuner.oracle.trials`` shows are the same records.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..schedulers import BUDGET_KEY
from ..states import TrialState
from ._hyperparameters import HyperParameters
from ._objective import Objective

if TYPE_CHECKING:
    from ..store import IntermediateRecord, TrialRecord

# hyperscout trial states as Keras Tuner's TrialStatus strings
_STATUS = {
    TrialState.WAITING: "IDLE",
    TrialState.RUNNING: "RUNNING",
    TrialState.SUCCEEDED: "COMPLETED",
    TrialState.EARLY_STOPPED: "STOPPED",
    TrialState.USER_CANCELED: "STOPPED",
    TrialState.FAILED: "FAILED",
    TrialState.TIMEOUT: "FAILED",
    TrialState.STALE: "FAILED",
}


def keras_epoch(step: int | None) -> int | None:
    """A stored step (epochs counted from 1) as Keras's epoch index (from 0)."""
    return None if step is None else step - 1


@dataclass(frozen=True)
class MetricObservation:
    """One reported value of a metric, at an epoch (`step`: Keras's epoch index, from 0,
    as in Keras Tuner; the store and the CLI count the same epochs from 1)."""

    value: float
    step: int


class MetricsTracker:
    """The per-epoch metrics of one trial (Keras Tuner's ``trial.metrics``)."""

    def __init__(self, points: list[IntermediateRecord], final: dict[str, float] | None,
                 objective: Objective) -> None:
        self._history: dict[str, list[MetricObservation]] = {}
        for point in points:
            for name, value in point.metrics.items():
                if name != "default":
                    self._history.setdefault(name, []).append(
                        MetricObservation(value, keras_epoch(point.step)))
        self._final = {k: v for k, v in (final or {}).items() if k != "default"}
        self._objective = objective

    @property
    def metrics(self) -> dict[str, list[MetricObservation]]:
        return dict(self._history)

    def exists(self, name: str) -> bool:
        return name in self._history or name in self._final

    def get_history(self, name: str) -> list[MetricObservation]:
        """Every epoch's value of `name`, in order."""
        return list(self._history.get(name, []))

    def get_last_value(self, name: str) -> float | None:
        history = self._history.get(name)
        return history[-1].value if history else self._final.get(name)

    def get_best_value(self, name: str) -> float | None:
        """The best epoch's value (by the objective's direction for the objective, else by
        the metric's own name: losses down, the rest up)."""
        history = self._history.get(name)
        if not history:
            return self._final.get(name)
        lower = (self._objective.direction == "min" if name == self._objective.name
                 else "loss" in name or "error" in name)
        values = [o.value for o in history]
        return min(values) if lower else max(values)

    def get_config(self) -> dict[str, Any]:
        return {"metrics": {k: [{"value": o.value, "step": o.step} for o in v]
                            for k, v in self._history.items()}}


class Trial:
    """One trial as Keras Tuner shows it, backed by a hyperscout trial record.

    `trial_id` is the hyperscout trial number as a string; `number`, `state` and
    `directory` are hyperscout's own fields.
    """

    def __init__(self, record: TrialRecord, hyperparameters: HyperParameters,
                 metrics: MetricsTracker, best_step: int | None) -> None:
        self.record = record
        self.trial_id = str(record.number)
        self.number = record.number
        self.hyperparameters = hyperparameters
        self.metrics = metrics
        self.state = record.state
        self.status = _STATUS[record.state]
        self.score = record.value if record.state in (
            TrialState.SUCCEEDED, TrialState.EARLY_STOPPED) else None
        self.best_step = best_step
        self.directory = Path(record.directory)
        self.message = record.reason

    @property
    def budget(self) -> Any:
        """The epochs a multi-fidelity scheduler gave this trial (None without one)."""
        return self.record.params.get(BUDGET_KEY)

    def summary(self) -> None:
        """Print the trial's parameters and score."""
        print(f"Trial {self.trial_id} summary")
        print("Hyperparameters:")
        for name, value in self.hyperparameters.values.items():
            print(f"{name}: {value}")
        if self.score is not None:
            print(f"Score: {self.score}")
        elif self.message:
            print(f"Status: {self.status} ({self.message})")

    def __repr__(self) -> str:
        return (f"Trial(trial_id={self.trial_id!r}, status={self.status!r}, "
                f"score={self.score!r}, hyperparameters={self.hyperparameters.values!r})")
