"""`Objective`: the metric a Keras Tuner search optimises, and its direction.

An objective is given as a metric name (``"val_accuracy"``), an `Objective(name,
direction)`, or a list of either. For a name, the direction is inferred from what the
metric measures, as Keras Tuner does (losses and errors go down, accuracies and areas go
up); a name that says neither needs an explicit `Objective`. A list is optimised as one
number: the sum of the metrics to minimise minus the sum of those to maximise, minimised.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import ConfigError

_DIRECTIONS = {"min": "min", "max": "max", "minimize": "min", "maximize": "max"}

# What a metric name (without its "val_" prefix) measures; substrings are matched last.
_MAXIMISE = ("accuracy", "acc", "auc", "precision", "recall", "f1_score", "fbeta_score",
             "r2_score", "iou", "mean_iou", "top_k_categorical_accuracy", "specificity",
             "sensitivity")
_MINIMISE = ("loss", "mse", "mae", "mape", "msle", "rmse", "crossentropy", "error", "hinge",
             "logcosh", "kld", "kl_divergence", "kullback_leibler_divergence", "poisson",
             "cosine_proximity", "huber")


class Objective:
    """A metric to optimise and its direction.

    Args:
        name: the metric's name in the training logs (``"val_accuracy"``), or a key of the
            dict a custom ``fit`` returns.
        direction: ``"min"`` or ``"max"``.

    Example:
        >>> Objective("val_accuracy", "max")
        Objective(name="val_accuracy", direction="max")
    """

    def __init__(self, name: str, direction: str) -> None:
        if not isinstance(name, str) or not name:
            raise ConfigError(f"Objective `name` must be a metric name, but got {name!r}.")
        if direction not in _DIRECTIONS:
            raise ConfigError(
                f"Objective `direction` must be 'min' or 'max', but got {direction!r} for "
                f"{name!r}.")
        self.name = name
        self.direction = _DIRECTIONS[direction]

    @property
    def names(self) -> list[str]:
        """The metric names this objective reads from the logs."""
        return [self.name]

    def better(self, a: float, b: float) -> bool:
        """True when `a` is strictly better than `b`."""
        return a > b if self.direction == "max" else a < b

    def value(self, logs: Mapping[str, float]) -> float | None:
        """This objective's value in `logs`, or None when the logs lack it."""
        v = logs.get(self.name)
        return None if v is None else float(v)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Objective) and not isinstance(other, MultiObjective)
                and (self.name, self.direction) == (other.name, other.direction))

    def __hash__(self) -> int:
        return hash((self.name, self.direction))

    def __repr__(self) -> str:
        return f'Objective(name="{self.name}", direction="{self.direction}")'


class MultiObjective(Objective):
    """Several objectives as one number to minimise (see the module docstring)."""

    def __init__(self, objectives: Sequence[Objective]) -> None:
        self.objectives = list(objectives)
        super().__init__("multi_objective", "min")

    @property
    def names(self) -> list[str]:
        return [o.name for o in self.objectives]

    def value(self, logs: Mapping[str, float]) -> float | None:
        total = 0.0
        for objective in self.objectives:
            v = objective.value(logs)
            if v is None:
                return None
            total += v if objective.direction == "min" else -v
        return total

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MultiObjective) and self.objectives == other.objectives

    def __hash__(self) -> int:
        return hash(tuple(self.objectives))

    def __repr__(self) -> str:
        return f"MultiObjective({self.objectives!r})"


def infer_direction(name: str) -> str | None:
    """``"min"``, ``"max"``, or None when the metric's name does not say."""
    base = name.removeprefix("val_")
    base = base.lower()
    if base in _MAXIMISE:
        return "max"
    if base in _MINIMISE:
        return "min"
    if any(word in base for word in ("loss", "error", "crossentropy")):
        return "min"
    if any(word in base for word in ("accuracy", "auc", "precision", "recall")):
        return "max"
    return None


def create_objective(objective: Any, *, default: str = "val_loss") -> Objective:
    """An `Objective` from what a tuner's `objective` argument may be."""
    if objective is None:
        objective = default
    if isinstance(objective, Objective):
        return objective
    if isinstance(objective, str):
        direction = infer_direction(objective)
        if direction is None:
            raise ConfigError(
                f"cannot tell whether the objective {objective!r} should be minimised or "
                f"maximised; pass Objective({objective!r}, direction='max') (or 'min').")
        return Objective(objective, direction)
    if isinstance(objective, (list, tuple)):
        if not objective:
            raise ConfigError("`objective` is an empty list; give at least one metric.")
        parts = [create_objective(o) for o in objective]
        return parts[0] if len(parts) == 1 else MultiObjective(parts)
    raise ConfigError(
        f"`objective` must be a metric name, an Objective or a list of them, but got "
        f"{objective!r}.")


def is_finite(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)
