"""The engine loop: ask, record, launch, collect, tell, enforce limits.

One thread. Each pass launches trials into free slots, polls the executor, writes every
report and exit it got in ONE transaction, and only after that commit tells the tuner and
counts the results (so a killed engine never acted on anything the store lacks). Running
trials hold a lease renewed with the heartbeat; control commands (stop, kill, new waiting
trials) arrive through the store, so the CLI and the dashboard steer a background engine.
"""

from __future__ import annotations

import signal
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import ExperimentConfig
from ..errors import SearchSpaceExhausted
from ..executors import Executor, Exit, Report, TrialSpec
from ..states import TrialState
from ..store import Store
from ..tuners import Tuner
from ._gpus import GpuPool
from ._progress import Progress, Snapshot

LEASE = 60.0  # seconds a running trial's lease lasts without renewal
HEARTBEAT_EVERY = 2.0
COMMANDS_EVERY = 0.2

KILLED_BY_USER = "killed by user"
EXPERIMENT_STOPPED = "experiment stopped"
TIMED_OUT = "trial timeout"
OUT_OF_TIME = "experiment max_duration reached"


@dataclass
class _Live:
    """Engine-side bookkeeping of one running trial."""

    number: int
    params: dict[str, Any]
    tuner_id: int
    retry_of: int | None
    attempt: int
    deadline: float | None
    last_report: float | None = None
    reports: int = 0


@dataclass
class _Queued:
    number: int
    params: dict[str, Any]
    tuner_id: int | None
    retry_of: int | None
    attempt: int


@dataclass
class RunState:
    """Counters the limits are checked against (rebuilt from the store on resume)."""

    asked: int = 0  # configurations the tuner handed out (max_trials counts these)
    done: int = 0
    failed: int = 0
    best: tuple[float, int, dict[str, Any]] | None = None
    exhausted: bool = False
    queue: deque[_Queued] = field(default_factory=deque)


class EngineLoop:
    """Runs one experiment to its end (limits, exhaustion, stop) against a store."""

    def __init__(self, *, store: Store, experiment_id: str, config: ExperimentConfig,
                 tuner: Tuner, executor: Executor, state: RunState, elapsed_before: float,
                 progress: Progress) -> None:
        self.store, self.id, self.config = store, experiment_id, config
        self.tuner, self.executor, self.state = tuner, executor, state
        self.progress = progress
        self.gpus = GpuPool(config.gpus_per_trial, config.gpu_indices,
                            max_trials_per_gpu=config.max_trials_per_gpu)
        self.directory = Path(store.experiment(experiment_id).directory)
        self.live: dict[int, _Live] = {}
        self._t0 = time.monotonic() - elapsed_before
        self._stop_reason: str | None = None
        self._final_status = "done"
        self._message: str | None = None
        self._next_number = store.next_trial_number(experiment_id)
        self._overheads: list[tuple[int, float]] = []

    # -- public -------------------------------------------------------------------------
    def run(self) -> str:
        """Run until done; return the final status (done, stopped, failed)."""
        previous = {s: signal.signal(s, self._on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            self._loop()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self.executor.shutdown()
        self._apply([])  # flush the overhead figures of the last trials
        self.store.heartbeat(self.id, elapsed=self.elapsed, lease_until=time.time())
        self.store.set_status(self.id, self._final_status, self._message)
        self.progress.log(f"experiment {self.id} {self._final_status}"
                          + (f": {self._message}" if self._message else ""))
        self.progress.close(self.snapshot())
        return self._final_status

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self._t0

    def snapshot(self) -> Snapshot:
        best = self.state.best
        return Snapshot(self.id, self.state.done, self.config.max_trials, len(self.live),
                        self.state.failed, best[0] if best else None, best[2] if best else None,
                        best[1] if best else None, self.elapsed, self.config.max_duration)

    # -- the loop -----------------------------------------------------------------------
    def _loop(self) -> None:
        next_beat = next_commands = 0.0
        while True:
            now = time.monotonic()
            if now >= next_commands:
                self._take_commands()
                next_commands = now + COMMANDS_EVERY
            self._check_limits()
            if self._stop_reason is None:
                self._launch()
            if not self.live and (self._stop_reason is not None or not self._can_launch()):
                break
            events = self.executor.poll(self._poll_timeout())
            self._apply(events)
            self._enforce_timeouts()
            if time.monotonic() >= next_beat:
                self.store.heartbeat(self.id, elapsed=self.elapsed,
                                     lease_until=time.time() + LEASE)
                next_beat = time.monotonic() + HEARTBEAT_EVERY
            self.progress.update(self.snapshot())

    def _poll_timeout(self) -> float:
        if not self.live:
            return 0.05
        return 0.1

    def _on_signal(self, signum: int, frame: Any) -> None:
        self.stop(f"received {signal.Signals(signum).name}")

    def stop(self, reason: str) -> None:
        """End the experiment: running trials are ended and recorded as canceled."""
        if self._stop_reason is None:
            self._stop_reason = reason
            self._final_status = "stopped"
            self._message = reason
            for number in list(self.live):
                self.executor.kill(number, EXPERIMENT_STOPPED)

    # -- launching ----------------------------------------------------------------------
    def _can_launch(self) -> bool:
        if self.state.queue:
            return True
        if self.state.exhausted:
            return False
        limit = self.config.max_trials
        return limit is None or self.state.asked < limit

    def _launch(self) -> None:
        while len(self.live) < self.config.concurrency and self._can_launch():
            number = self.state.queue[0].number if self.state.queue else self._next_number
            env = self.gpus.acquire(number)
            if env is None:
                return  # wait for a GPU to free up
            t_ask = time.monotonic()
            queued = self._next_queued()
            if queued is None:
                self.gpus.release(number)
                return
            self._start(queued, env, t_ask)

    def _next_queued(self) -> _Queued | None:
        if self.state.queue:
            return self.state.queue.popleft()
        try:
            suggestion = self.tuner.ask()
        except SearchSpaceExhausted as exc:
            self.state.exhausted = True
            self._message = str(exc)
            self.progress.log(f"search space exhausted: {exc}")
            return None
        self.state.asked += 1
        number = self._next_number
        self._next_number += 1
        self.store.add_trial(self.id, number, suggestion.params)
        return _Queued(number, suggestion.params, suggestion.id, None, 0)

    def _start(self, q: _Queued, env: dict[str, str], t_ask: float) -> None:
        tuner_id = q.tuner_id
        if tuner_id is None:  # a re-run or resumed trial: its result joins the history
            tuner_id = self.tuner.observe(q.params, state=TrialState.RUNNING)
        directory = self.directory / "trials" / str(q.number)
        spec = TrialSpec(self.id, q.number, q.params, directory, env)
        try:
            pid = self.executor.start(spec)
        except OSError as exc:
            self.store.finish_trial(self.id, q.number, TrialState.FAILED,
                                    reason=f"could not start: {exc}")
            self.tuner.tell(tuner_id, None, state=TrialState.FAILED)
            self.gpus.release(q.number)
            self.state.failed += 1
            return
        deadline = (time.monotonic() + self.config.trial_timeout
                    if self.config.trial_timeout else None)
        self.live[q.number] = _Live(q.number, q.params, tuner_id, q.retry_of, q.attempt, deadline)
        self.store.start_trial(self.id, q.number, lease_until=time.time() + LEASE,
                               ask_to_start=time.monotonic() - t_ask,
                               gpus=self.gpus.assigned(q.number), pid=pid)

    # -- collecting ---------------------------------------------------------------------
    def _apply(self, events: list[Report | Exit]) -> None:
        if not events and not self._overheads:
            return
        reports: dict[int, list[dict[str, Any]]] = {}
        exits: list[Exit] = []
        for event in events:
            if isinstance(event, Report):
                reports.setdefault(event.number, []).append(event.record)
            else:
                exits.append(event)
        finished: list[tuple[_Live, TrialState, Exit]] = []
        with self.store.transaction():
            for number, records in reports.items():
                self.store.add_reports(self.id, number, records)
                live = self.live.get(number)
                if live is not None:
                    live.reports += len(records)
                    live.last_report = time.monotonic()
            for event in exits:
                live = self.live.pop(event.number, None)
                if live is None:
                    continue
                state = _state_of(event)
                self.store.finish_trial(self.id, event.number, state, reason=event.reason,
                                        exit_code=event.exit_code)
                finished.append((live, state, event))
            for number, overhead in self._overheads:
                self.store.set_overhead(self.id, number, overhead)
            self._overheads.clear()
        for live, state, event in finished:  # committed: now they count
            self._after_finish(live, state, event)

    def _after_finish(self, live: _Live, state: TrialState, event: Exit) -> None:
        self.gpus.release(live.number)
        record = self.store.trial(self.id, live.number)
        if self._maybe_retry(live, state):
            return
        value = record.metrics if record.metrics is not None else None
        if state is TrialState.SUCCEEDED and value is not None:
            self.tuner.tell(live.tuner_id, value, state=TrialState.SUCCEEDED)
        else:
            self.tuner.tell(live.tuner_id, None, state=TrialState.FAILED)
        started = live.last_report if live.last_report is not None else time.monotonic()
        self._overheads.append((live.number, time.monotonic() - started))
        self.state.done += 1
        if state in (TrialState.FAILED, TrialState.TIMEOUT, TrialState.STALE):
            self.state.failed += 1
        if state is TrialState.SUCCEEDED and record.value is not None:
            self._update_best(record.value, live.number, record.params)
        self.progress.log(_finish_line(live.number, state, record.value, event.reason))
        limit = self.config.max_failed_trials
        if limit is not None and self.state.failed > limit and self._stop_reason is None:
            self.stop(f"{self.state.failed} trials failed, more than max_failed_trials={limit}")
            self._final_status = "failed"

    def _maybe_retry(self, live: _Live, state: TrialState) -> bool:
        kind = {TrialState.FAILED: "failed", TrialState.TIMEOUT: "timeout",
                TrialState.STALE: "stale"}.get(state)
        if kind is None or self._stop_reason is not None:
            return False
        if live.attempt >= self.config.max_retries.get(kind, 0):
            return False
        number = self._next_number
        self._next_number += 1
        origin = live.retry_of if live.retry_of is not None else live.number
        self.store.add_trial(self.id, number, live.params, attempt=live.attempt + 1,
                             retry_of=origin, reason=f"retry of trial {live.number} ({kind})")
        self.state.queue.append(_Queued(number, live.params, live.tuner_id, origin,
                                        live.attempt + 1))
        self.progress.log(f"trial {live.number} {state.value}; retrying as trial {number}")
        return True

    def _update_best(self, value: float, number: int, params: dict[str, Any]) -> None:
        sign = 1.0 if self.config.direction == "maximize" else -1.0
        if self.state.best is None or sign * value > sign * self.state.best[0]:
            self.state.best = (value, number, params)

    # -- limits and control ---------------------------------------------------------------
    def _check_limits(self) -> None:
        limit = self.config.max_duration
        if limit is not None and self.elapsed >= limit and self._stop_reason is None:
            self._stop_reason = OUT_OF_TIME
            self._message = OUT_OF_TIME
            for number in list(self.live):
                self.executor.kill(number, OUT_OF_TIME)

    def _enforce_timeouts(self) -> None:
        now = time.monotonic()
        for live in list(self.live.values()):
            if live.deadline is not None and now >= live.deadline:
                live.deadline = None
                self.executor.kill(live.number, TIMED_OUT)

    def _take_commands(self) -> None:
        for command in self.store.take_commands(self.id):
            if command.kind == "stop":
                self.stop("stopped by user")
            elif command.kind == "kill" and command.trial in self.live:
                self.executor.kill(command.trial, KILLED_BY_USER)
            elif command.kind == "enqueue":
                self._enqueue_waiting()

    def _enqueue_waiting(self) -> None:
        queued = {q.number for q in self.state.queue}
        for record in self.store.trials(self.id, states=[TrialState.WAITING]):
            if record.number not in queued and record.number not in self.live:
                self.state.queue.append(_Queued(record.number, record.params, None,
                                                record.retry_of, record.attempt))
                self._next_number = max(self._next_number, record.number + 1)


def _state_of(event: Exit) -> TrialState:
    if event.ok:
        return TrialState.SUCCEEDED
    if event.vanished:
        return TrialState.STALE
    if event.reason == TIMED_OUT:
        return TrialState.TIMEOUT
    if event.reason in (KILLED_BY_USER, EXPERIMENT_STOPPED, OUT_OF_TIME):
        return TrialState.USER_CANCELED
    return TrialState.FAILED


def _finish_line(number: int, state: TrialState, value: float | None, reason: str | None) -> str:
    text = f"trial {number} {state.value}"
    if value is not None:
        text += f" value={value:.6g}"
    if reason:
        text += f" ({reason})"
    return text
