"""The exception hierarchy: every error hyperscout raises on purpose derives from
`HyperscoutError` and also from the builtin a caller would naturally catch."""

from __future__ import annotations


class HyperscoutError(Exception):
    """Base class of all hyperscout errors."""


class SearchSpaceError(HyperscoutError, ValueError):
    """A search space (or a value checked against one) is malformed."""


class ConfigError(HyperscoutError, ValueError):
    """An experiment configuration (file or arguments) is malformed."""


class MetricError(HyperscoutError, ValueError):
    """A trial reported a metric that is not a finite number or a dict with a finite ``default``."""


class SearchSpaceExhausted(HyperscoutError, LookupError):
    """The tuner has no unvisited configuration left to suggest."""


class StoreError(HyperscoutError, RuntimeError):
    """The store is missing, locked by another engine, or does not hold what was asked for."""


class ExperimentNotFound(StoreError, LookupError):
    """No experiment with the given id exists in the store."""


class TrialNotFound(StoreError, LookupError):
    """No trial with the given number exists in the experiment."""


class EngineError(HyperscoutError, RuntimeError):
    """The engine cannot start or continue (for example: another engine holds the experiment)."""


class TrialStopped(HyperscoutError):
    """Raised inside a trial by its next report once the engine has decided to stop it early
    (an assessor or the scheduler). Catch it to save a checkpoint, then return or re-raise;
    the trial ends as ``early_stopped`` either way."""
