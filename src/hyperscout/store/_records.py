"""Frozen records the store hands out: what the CLI, the dashboard and `resume` read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..states import TrialState


@dataclass(frozen=True)
class ExperimentRecord:
    """One experiment as stored. `status` is the effective one: a ``running`` experiment
    whose engine stopped renewing its heartbeat reads as ``interrupted``."""

    id: str
    name: str | None
    status: str
    config: dict[str, Any]
    space: Any
    created: float
    started: float | None
    ended: float | None
    elapsed: float  # seconds of engine run time over all runs (max_duration counts this)
    engine_pid: int | None
    heartbeat: float | None
    directory: str
    message: str | None

    @property
    def log_path(self) -> str:
        return f"{self.directory}/experiment.log"


@dataclass(frozen=True)
class TrialRecord:
    """One trial as stored. A ``running`` trial whose lease lapsed reads as ``stale``."""

    experiment_id: str
    number: int
    state: TrialState
    params: dict[str, Any]
    value: float | None
    metrics: dict[str, float] | None
    created: float
    started: float | None
    ended: float | None
    attempt: int
    retry_of: int | None
    reason: str | None
    exit_code: int | None
    last_seq: int
    n_intermediate: int
    latest: float | None  # latest intermediate value
    gpus: str | None
    pid: int | None  # the runner's process id while running
    ask_to_start: float | None  # engine overhead, seconds
    report_to_tell: float | None  # engine overhead, seconds
    directory: str
    schedule: dict[str, Any] | None = None  # the scheduler's job: budget, parent, rung, ...

    @property
    def duration(self) -> float | None:
        if self.started is None:
            return None
        return (self.ended or _now()) - self.started


@dataclass(frozen=True)
class IntermediateRecord:
    number: int
    seq: int
    step: int
    value: float
    metrics: dict[str, float]
    time: float


@dataclass(frozen=True)
class EventRecord:
    time: float
    kind: str
    trial: int | None
    message: str


@dataclass(frozen=True)
class CommandRecord:
    id: int
    kind: str
    trial: int | None


def _now() -> float:
    import time

    return time.time()
