"""`MedianStop` (NNI's Medianstop; Golovin et al., "Google Vizier", KDD 2017): stop a trial
whose running average falls below the median of the completed trials' running averages
at the same step."""

from __future__ import annotations

import statistics
from typing import Any

from ._base import Assessor, _check_int


class MedianStop(Assessor):
    """Median stopping rule.

    Args:
        direction, start_step: as for every assessor.
        min_completed: Completed trials needed (with a result at the step) before any
            trial is judged: with fewer, the median means little.
    """

    name = "median"

    def __init__(self, direction: str = "maximize", *, start_step: int = 0,
                 min_completed: int = 1) -> None:
        super().__init__(direction, start_step=start_step)
        _check_int(self.name, "min_completed", min_completed, 1)
        self.min_completed = min_completed
        # per step, the running averages of the completed curves that reached it: computed
        # once per completed trial, so a decision costs one lookup, not a pass over curves
        self._at_step: dict[int, list[float]] = {}

    def finish(self, trial: int, state: Any) -> None:
        was = trial in self.completed
        super().finish(trial, state)
        if trial in self.completed and not was:
            total, count = 0.0, 0
            for step, value in sorted(self.curves[trial]):
                total, count = total + value, count + 1
                self._at_step.setdefault(step, []).append(total / count)

    def _assess(self, trial: int, curve: list[tuple[int, float]]) -> str | None:
        step = curve[-1][0]
        mine = _running_average(curve, step)
        others = self._at_step.get(step, [])
        if len(others) < self.min_completed or mine is None:
            return None
        median = statistics.median(others)
        if self._better(median, mine):
            return (f"median rule at step {step}: running average {mine:.6g} is worse than "
                    f"the median {median:.6g} of {len(others)} completed trials")
        return None


def _running_average(curve: list[tuple[int, float]], step: int) -> float | None:
    """The mean of the curve's values up to and including `step`."""
    values = [v for s, v in curve if s <= step]
    return sum(values) / len(values) if values else None
