"""What a metric is: a finite number, or a dict of finite numbers with a ``default`` key
(NNI semantics). One normaliser used by the trial API, the tuners and the engine."""

from __future__ import annotations

import math
from collections.abc import Mapping

TYPE_CHECKING = False  # typing itself costs ~15 ms at a command trial's start-up
if TYPE_CHECKING:
    from typing import Any, Union

    Metric = Union[float, int, Mapping[str, Any]]  # noqa: UP007 - an alias on 3.10

from .errors import MetricError


def _finite(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) and not hasattr(value, "__float__"):
        raise MetricError(
            f"{what} must be a number, but got {value!r} ({type(value).__name__}). "
            "Report a float, or a dict like {'default': 0.93, 'loss': 0.2}."
        )
    try:
        number = float(value)
    except OverflowError:  # an int beyond a float's range
        number = math.inf
    except (TypeError, ValueError) as exc:  # e.g. a numpy array of size > 1
        raise MetricError(f"{what} must be a single number, but got {value!r}.") from exc
    if not math.isfinite(number):
        raise MetricError(
            f"{what} must be finite, but got {number!r}. A diverged trial should raise an "
            "exception (it is then recorded as failed) instead of reporting NaN or infinity."
        )
    return number


def normalize_metric(metric: Metric) -> tuple[float, dict[str, float]]:
    """Split a reported metric into its default value and the full dict of named numbers.

    >>> normalize_metric(0.5)
    (0.5, {'default': 0.5})
    >>> normalize_metric({"default": 1, "loss": 0.25})
    (1.0, {'default': 1.0, 'loss': 0.25})
    """
    if isinstance(metric, Mapping):
        if "default" not in metric:
            raise MetricError(
                f"a metric dict must have a 'default' key (the value the tuner optimises), but got "
                f"keys {sorted(metric)!r}. Add 'default': <number>."
            )
        values = {str(k): _finite(v, f"metric[{k!r}]") for k, v in metric.items()}
        return values["default"], values
    number = _finite(metric, "metric")
    return number, {"default": number}
