"""Retry chains: one configuration the tuner asked for, and every re-run of it.

A trial that retries, re-runs or resumes another points at the chain's first trial
(`retry_of`); the chain's *latest* trial (highest number) is what counts. The live loop
and `resume` both count through `ChainCounts`, so limits and the progress display agree
however often an experiment was interrupted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..states import TrialState
from ..store import TrialRecord

FAILURES = (TrialState.FAILED, TrialState.TIMEOUT, TrialState.STALE)


def root_of(trial: TrialRecord) -> int:
    """The number of the first trial of `trial`'s chain."""
    return trial.retry_of if trial.retry_of is not None else trial.number


def latest_per_chain(trials: Iterable[TrialRecord]) -> dict[int, TrialRecord]:
    """The latest trial of every chain, keyed by the chain's first trial, in root order."""
    latest: dict[int, TrialRecord] = {}
    for trial in sorted(trials, key=lambda t: t.number):
        latest[root_of(trial)] = trial
    return dict(sorted(latest.items()))


@dataclass
class ChainCounts:
    """Counters over chains: asked (max_trials), done, failed (max_failed_trials), best."""

    direction: str
    asked: int = 0
    done: int = 0
    failed: int = 0
    best: tuple[float, int, dict[str, Any]] | None = None
    _finished: dict[int, TrialState] = field(default_factory=dict)

    @classmethod
    def from_trials(cls, trials: list[TrialRecord], direction: str) -> ChainCounts:
        counts = cls(direction)
        counts.asked = sum(1 for t in trials if t.retry_of is None)
        for root, trial in latest_per_chain(trials).items():
            if trial.state.is_finished:
                counts.finish(root, trial.state)
        for trial in trials:
            if trial.state is TrialState.SUCCEEDED and trial.value is not None:
                counts.offer(trial.value, trial.number, trial.params)
        return counts

    def finish(self, root: int, state: TrialState) -> None:
        """Chain `root` ended in `state` (replacing what an earlier attempt counted)."""
        previous = self._finished.get(root)
        if previous is not None:
            self.done -= 1
            self.failed -= previous in FAILURES
        self._finished[root] = state
        self.done += 1
        self.failed += state in FAILURES

    def offer(self, value: float, number: int, params: dict[str, Any]) -> None:
        sign = 1.0 if self.direction == "maximize" else -1.0
        if self.best is None or sign * value > sign * self.best[0]:
            self.best = (value, number, params)


def ancestor_curve(trial: TrialRecord, trial_of_job: dict[int, int],
                   record_of: Callable[[int], TrialRecord],
                   curve_of: Callable[[int], list[tuple[int, float]]]
                   ) -> list[tuple[int, float]]:
    """The learning curve a promoted trial continues: the curves of the trials it descends
    from (by its scheduler job's `parent`), oldest first, each step once; [] for a trial
    with no parent."""
    chain: list[int] = []
    current = trial
    while current.schedule and current.schedule.get("parent") is not None:
        parent = trial_of_job.get(current.schedule["parent"])
        if parent is None or parent in chain:
            break
        chain.append(parent)
        current = record_of(parent)
    curve: list[tuple[int, float]] = []
    for number in reversed(chain):
        curve += [(s, v) for s, v in curve_of(number) if not curve or s > curve[-1][0]]
    return curve
