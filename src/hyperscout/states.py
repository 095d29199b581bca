"""Trial states, shared by the engine, the store, the tuners and every client."""

from __future__ import annotations

from enum import Enum


class TrialState(str, Enum):
    """Where a trial is in its life.

    ``waiting`` -> ``running`` -> one of the final states. A running trial whose lease
    lapsed (its runner vanished, or the engine died) is ``stale``; it is never left
    ``running`` forever.
    """

    WAITING = "waiting"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    EARLY_STOPPED = "early_stopped"
    TIMEOUT = "timeout"
    USER_CANCELED = "user_canceled"
    STALE = "stale"

    @property
    def is_finished(self) -> bool:
        return self not in (TrialState.WAITING, TrialState.RUNNING)

    def __str__(self) -> str:  # prints as its value in tables and logs
        return self.value


FINISHED_STATES = frozenset(s for s in TrialState if s.is_finished)
