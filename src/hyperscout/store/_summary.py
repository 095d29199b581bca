"""What every reader of the store (the CLI, the dashboard) says about an experiment: its
best trial and how many configurations are done, computed one way for all of them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..states import TrialState
from ._records import TrialRecord


def best_trial(trials: Iterable[TrialRecord], direction: str) -> TrialRecord | None:
    """The succeeded trial with the best value (the earliest on a tie), or None."""
    done = [t for t in trials if t.state is TrialState.SUCCEEDED and t.value is not None]
    if not done:
        return None
    sign = 1.0 if direction == "maximize" else -1.0
    return max(done, key=lambda t: (sign * t.value, -t.number))  # type: ignore[operator]


def finished_configurations(trials: Sequence[TrialRecord]) -> int:
    """How many configurations have finished, as the engine counts them against
    `max_trials`: a re-run (a retry, a re-run on resume or by the user) counts once, by its
    latest trial."""
    latest: dict[int, TrialRecord] = {}
    for t in trials:  # in number order: a later re-run replaces its origin
        latest[t.retry_of if t.retry_of is not None else t.number] = t
    return sum(t.state.is_finished for t in latest.values())
