"""`Patience`: stop a trial that has not improved for a while, or that is worse than a
threshold (Keras's EarlyStopping, across trials' boundaries of nothing)."""

from __future__ import annotations

from ..errors import ConfigError
from ._base import Assessor, _check_int, _check_number


class Patience(Assessor):
    """Patience and threshold stopping.

    Args:
        direction, start_step: as for every assessor.
        patience: Stop after this many reports in a row without an improvement of more
            than `min_delta` over the trial's best so far.
        min_delta: The least change that counts as an improvement.
        threshold: Stop as soon as a result (past `start_step`) is worse than this.

    At least one of `patience` and `threshold` must be given.
    """

    name = "patience"

    def __init__(self, direction: str = "maximize", *, start_step: int = 0,
                 patience: int | None = None, min_delta: float = 0.0,
                 threshold: float | None = None) -> None:
        super().__init__(direction, start_step=start_step)
        if patience is None and threshold is None:
            raise ConfigError("patience assessor: give `patience` (reports without "
                              "improvement) or `threshold` (a value to stay better than), "
                              "or both.")
        if patience is not None:
            _check_int(self.name, "patience", patience, 1)
        _check_number(self.name, "min_delta", min_delta)
        if threshold is not None:
            _check_number(self.name, "threshold", threshold)
        self.patience, self.min_delta, self.threshold = patience, abs(min_delta), threshold

    def _assess(self, trial: int, curve: list[tuple[int, float]]) -> str | None:
        step, value = curve[-1]
        if self.threshold is not None and self._better(self.threshold, value):
            return f"threshold at step {step}: {value:.6g} is worse than {self.threshold:.6g}"
        if self.patience is None or len(curve) <= self.patience:
            return None
        sign = 1.0 if self.direction == "maximize" else -1.0
        best_before = max(sign * v for _, v in curve[: -self.patience])
        recent = max(sign * v for _, v in curve[-self.patience:])
        if recent <= best_before + self.min_delta:
            return (f"patience at step {step}: no improvement over {sign * best_before:.6g} "
                    f"in {self.patience} reports")
        return None
