"""Exceptions a build function, a ``fit`` or a ``run_trial`` may raise to steer the search
(Keras Tuner's ``keras_tuner.errors``)."""

from __future__ import annotations

from ..errors import HyperscoutError


class FailedTrialError(HyperscoutError, RuntimeError):
    """Fail this trial at once, without the retries of `max_retries_per_trial` (for a
    configuration known to be invalid, e.g. a model too large for memory)."""


class FatalError(HyperscoutError, RuntimeError):
    """Stop the whole search; `search()` raises this error after recording the trial."""


class FatalValueError(FatalError, ValueError):
    """A `FatalError` that is also a ValueError."""


class FatalTypeError(FatalError, TypeError):
    """A `FatalError` that is also a TypeError."""


class FatalRuntimeError(FatalError):
    """A `FatalError` (Keras Tuner's name for the runtime variant)."""


__all__ = ["FailedTrialError", "FatalError", "FatalRuntimeError", "FatalTypeError",
           "FatalValueError"]
