"""The scheduler interface: which trial to run next, with how much resource, continuing
from which earlier trial.

A tuner proposes configurations; a scheduler turns them into *jobs*. A job is one trial
of one configuration at one budget (epochs, samples, ...), possibly continuing the
checkpoint of an earlier job of the same configuration: a promotion. `fifo` runs each
configuration once with no budget; `hyperband` and `asha` run many configurations on a
small budget and promote the best to larger ones.

The engine calls `ask` for a job whenever a worker is free (None: nothing to run until
more results arrive), `tell` when a job's trial has ended, and, after a crash, `restore`
with every job it stored, so the rebuilt scheduler continues where the old one stopped.
A scheduler's state is a function of its jobs and their results, never of timing.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError, SearchSpaceExhausted
from ..metrics import normalize_metric
from ..states import TrialState
from ..tuners import Tuner

BUDGET_KEY = "TRIAL_BUDGET"
"""The parameter that carries a job's budget to the trial (NNI's name for it)."""


@dataclass(frozen=True)
class Job:
    """One trial to run: a configuration, its budget and what it continues from.

    Attributes:
        id: The scheduler's number for the job (0, 1, ...).
        config: The scheduler's number for the configuration; promotions share it.
        params: The configuration's parameters (without the budget).
        budget: The resource to train up to (None: the trial decides, as with `fifo`).
        parent: The job whose checkpoint this one continues, or None.
        previous_budget: The resource the parent already trained up to (0 if none): a
            trial that loads the parent's checkpoint starts from there.
        bracket: The Hyperband bracket, or None.
        rung: The successive-halving rung (0 = the smallest budget), or None.
    """

    id: int
    config: int
    params: dict[str, Any]
    budget: float | None = None
    parent: int | None = None
    previous_budget: float = 0.0
    bracket: int | None = None
    rung: int | None = None

    def trial_params(self) -> dict[str, Any]:
        """What the trial sees: the parameters plus ``TRIAL_BUDGET`` when there is one."""
        if self.budget is None:
            return dict(self.params)
        return {**self.params, BUDGET_KEY: _plain(self.budget)}

    def to_dict(self) -> dict[str, Any]:
        """The job's schedule, as stored with its trial (the params are stored already)."""
        return {"job": self.id, "config": self.config, "budget": self.budget,
                "parent": self.parent, "previous_budget": self.previous_budget,
                "bracket": self.bracket, "rung": self.rung}

    @classmethod
    def from_dict(cls, data: dict[str, Any], trial_params: dict[str, Any]) -> Job:
        """The job stored as `data` for a trial that saw `trial_params`."""
        params = dict(trial_params)
        if data.get("budget") is not None:
            params.pop(BUDGET_KEY, None)
        return cls(int(data["job"]), int(data["config"]), params, data.get("budget"),
                   data.get("parent"), float(data.get("previous_budget") or 0.0),
                   data.get("bracket"), data.get("rung"))


@dataclass(frozen=True)
class JobOutcome:
    """A stored job and how its trial ended (for `Scheduler.restore`): `state` None while
    it has not ended (it will run again, and its result arrive through `tell`)."""

    job: Job
    metrics: dict[str, float] | None = None
    state: TrialState | None = None


@dataclass
class _Config:
    params: dict[str, Any]
    tuner_id: int
    told: bool = False


class Scheduler(ABC):
    """Base of every scheduler: job and configuration bookkeeping, the tuner hand-off.

    The tuner hears of each configuration once, when its first job ends (the result at
    the smallest budget it ran), so model-based tuners learn while brackets still run.
    Subclasses implement `_next` (the next job, or None) and may override `_on_result`
    and `_restore_job`.

    Attributes:
        tuner: Proposes the configurations.
        jobs: Every job asked for, by id.
        results: Each ended job's value (None: it failed), by id.
        finished: No job will ever come again; `message` says why.
    """

    name = "scheduler"

    def __init__(self, tuner: Tuner) -> None:
        self.tuner = tuner
        self.jobs: dict[int, Job] = {}
        self.results: dict[int, float | None] = {}
        self.finished = False
        self.message: str | None = None
        self._configs: list[_Config] = []
        self._exhausted = False

    @property
    def direction(self) -> str:
        return self.tuner.direction

    # -- the engine's calls -----------------------------------------------------------
    def ask(self) -> Job | None:
        """The next job to launch, or None when nothing can run until more results arrive
        (or ever again: then `finished` is True and `message` says why)."""
        if self.finished:
            return None
        job = self._next()
        if job is not None:
            self.jobs[job.id] = job
        elif self._exhausted and not self._running():
            self._finish(self.message or "the search space is exhausted")
        return job

    def tell(self, job_id: int, metrics: Any, state: TrialState | str) -> None:
        """Job `job_id` ended in `state` with `metrics` (a number, a dict with ``default``,
        or None when it produced no result)."""
        state = TrialState(state)
        job = self.jobs.get(job_id)
        if job is None:
            raise KeyError(f"the scheduler has no job {job_id}")
        values = None if metrics is None else normalize_metric(metrics)[1]
        ok = state in (TrialState.SUCCEEDED, TrialState.EARLY_STOPPED) and values is not None
        self.results[job_id] = values["default"] if ok and values else None
        config = self._configs[job.config]
        if not config.told:
            config.told = True
            self.tuner.tell(config.tuner_id, values if ok else None,
                            state=state if ok else TrialState.FAILED)
        self._on_result(job)

    def adopt(self, params: dict[str, Any]) -> Job:
        """A job for a trial the user queued (not proposed by the scheduler): its
        configuration joins the tuner's history; it takes no part in any bracket."""
        tuner_id = self.tuner.observe(params, None, state=TrialState.RUNNING)
        self._configs.append(_Config(dict(params), tuner_id))
        job = Job(self._next_job_id(), len(self._configs) - 1, dict(params))
        self.jobs[job.id] = job
        return job

    def restore(self, outcomes: Iterable[JobOutcome]) -> None:
        """Rebuild from the stored jobs, in job order: the tuner replays each configuration
        (with its first job's result when it has one) and the subclass re-files the jobs."""
        outcomes = sorted(outcomes, key=lambda o: o.job.id)
        first: dict[int, JobOutcome] = {}
        for outcome in outcomes:
            first.setdefault(outcome.job.config, outcome)
        for config_id in sorted(first):
            outcome = first[config_id]
            if config_id != len(self._configs):
                raise ValueError(f"stored jobs skip configuration {len(self._configs)}")
            ok = outcome.state in (TrialState.SUCCEEDED, TrialState.EARLY_STOPPED) \
                and outcome.metrics is not None
            if outcome.state is None:
                tuner_id = self.tuner.observe(outcome.job.params, None, state=TrialState.RUNNING)
            else:
                tuner_id = self.tuner.observe(outcome.job.params, outcome.metrics if ok else None,
                                              state=outcome.state if ok else TrialState.FAILED)
            self._configs.append(_Config(outcome.job.params, tuner_id, outcome.state is not None))
        for outcome in outcomes:
            self.jobs[outcome.job.id] = outcome.job
            self._restore_job(outcome.job)
        for outcome in outcomes:
            if outcome.state is not None:
                ok = outcome.state in (TrialState.SUCCEEDED, TrialState.EARLY_STOPPED)
                value = (outcome.metrics or {}).get("default") if ok else None
                self.results[outcome.job.id] = value
        for outcome in outcomes:
            if outcome.state is not None:
                self._on_result(outcome.job, replay=True)

    def plan(self) -> Any:
        """The budget plan (`BudgetPlan`), or None for a scheduler without one."""
        return None

    # -- for subclasses ---------------------------------------------------------------
    @abstractmethod
    def _next(self) -> Job | None:
        """The next job, or None (set `_exhausted` when the tuner ran out)."""

    def _on_result(self, job: Job, replay: bool = False) -> None:
        """A job's result is in `results` (None: failed); `replay` during `restore`."""

    def _restore_job(self, job: Job) -> None:
        """File a stored job in the subclass's structures (during `restore`)."""

    def _new_config(self) -> int | None:
        """A new configuration from the tuner; None once the search space is exhausted."""
        if self._exhausted:
            return None
        try:
            suggestion = self.tuner.ask()
        except SearchSpaceExhausted as exc:
            self._exhausted = True
            self.message = str(exc)
            return None
        self._configs.append(_Config(suggestion.params, suggestion.id))
        return len(self._configs) - 1

    def _job(self, config: int, budget: float | None = None, parent: Job | None = None,
             bracket: int | None = None, rung: int | None = None) -> Job:
        return Job(self._next_job_id(), config, dict(self._configs[config].params), budget,
                   None if parent is None else parent.id,
                   0.0 if parent is None or parent.budget is None else float(parent.budget),
                   bracket, rung)

    def _next_job_id(self) -> int:
        return max(self.jobs, default=-1) + 1

    def _running(self) -> bool:
        return any(job_id not in self.results for job_id in self.jobs)

    def _finish(self, message: str) -> None:
        self.finished = True
        self.message = message

    def _rank_key(self, job_id: int) -> tuple[int, float, int]:
        """Sorts best first: valid results by value (direction-aware), then failures."""
        value = self.results.get(job_id)
        if value is None:
            return (1, 0.0, job_id)
        return (0, -value if self.direction == "maximize" else value, job_id)


def _plain(budget: float) -> int | float:
    return int(budget) if float(budget).is_integer() else float(budget)


def check_positive(owner: str, name: str, value: Any, *, integer: bool = False,
                   minimum: float = 0.0, open_low: bool = True) -> None:
    """Raise `ConfigError` naming `owner`'s option `name` unless `value` is a number
    above (or at, with open_low=False) `minimum`."""
    ok = not isinstance(value, bool) and isinstance(value, int if integer else (int, float))
    ok = ok and math.isfinite(value) and (value > minimum if open_low else value >= minimum)
    if not ok:
        kind = "a whole number" if integer else "a number"
        raise ConfigError(f"{owner} option `{name}` must be {kind} "
                          f"{'>' if open_low else '>='} {minimum:g}, but got {value!r}.")
