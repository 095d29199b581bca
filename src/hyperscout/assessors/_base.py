"""The assessor interface: decide from a running trial's learning curve whether to stop it.

The engine feeds an assessor every intermediate result (`report`) and every trial's end
(`finish`), and after each report asks `assess`: a reason to stop the trial now, or None.
An assessor keeps the curves it has seen, so after a crash the engine rebuilds it by
replaying the stored intermediate results in order.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from ..errors import ConfigError
from ..states import TrialState

_COMPLETED = (TrialState.SUCCEEDED, TrialState.EARLY_STOPPED)


class Assessor(ABC):
    """Base of every assessor: the curves of running and completed trials.

    Args:
        direction: "maximize" or "minimize", as the experiment's.
        start_step: No trial is stopped before it has reported this step.

    Attributes:
        curves: Per trial, its intermediate results as (step, value), in report order.
        completed: The trials that ended with a result (succeeded or early stopped).
    """

    name = "assessor"

    def __init__(self, direction: str = "maximize", *, start_step: int = 0) -> None:
        if direction not in ("maximize", "minimize"):
            raise ConfigError(f"assessor `direction` must be 'maximize' or 'minimize', but "
                              f"got {direction!r}.")
        _check_int(self.name, "start_step", start_step, 0)
        self.direction = direction
        self.start_step = start_step
        self.curves: dict[int, list[tuple[int, float]]] = {}
        self.completed: set[int] = set()

    def report(self, trial: int, step: int, value: float) -> None:
        """Trial `trial` reported `value` at `step`."""
        self.curves.setdefault(trial, []).append((int(step), float(value)))

    def finish(self, trial: int, state: TrialState | str) -> None:
        """Trial `trial` ended in `state`; a completed curve becomes a reference."""
        if TrialState(state) in _COMPLETED and self.curves.get(trial):
            self.completed.add(trial)

    def assess(self, trial: int) -> str | None:
        """Why trial `trial` should stop now, or None to let it go on."""
        curve = self.curves.get(trial)
        if not curve or curve[-1][0] < self.start_step or trial in self.completed:
            return None
        return self._assess(trial, curve)

    @abstractmethod
    def _assess(self, trial: int, curve: list[tuple[int, float]]) -> str | None:
        """The decision for a trial past `start_step` (its curve is not empty)."""

    def _better(self, a: float, b: float) -> bool:
        """a is strictly better than b."""
        return a > b if self.direction == "maximize" else a < b


def _check_int(owner: str, name: str, value: Any, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"{owner} option `{name}` must be a whole number >= {minimum}, "
                          f"but got {value!r}.")


def _check_number(owner: str, name: str, value: Any) -> None:
    import math

    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"{owner} option `{name}` must be a finite number, but got {value!r}.")
