"""The engine loop: ask, record, launch, collect, tell, enforce limits.

One thread (a helper thread while an in-process executor runs trials in the caller's; see
`Executor.host`). Each pass launches trials into free slots (the scheduler's next jobs),
polls the executor, writes every report and exit it got in ONE transaction, and only after
that commit tells the scheduler (and through it the tuner), feeds the assessor and counts
the results (so a killed engine never acted on anything the store lacks). Running trials
hold a lease renewed with the heartbeat; control commands (stop, kill, new waiting trials)
arrive through the store, so the CLI and the dashboard steer a background engine.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..assessors import Assessor
from ..config import ExperimentConfig
from ..devices import is_cuda_oom, stderr_tail
from ..errors import EngineError
from ..executors import Event, Executor, Exit, Placed, Report, TrialSpec
from ..schedulers import Job, Scheduler
from ..states import TrialState
from ..store import Store
from ..trial import STOP_FILE
from ._chains import ChainCounts, ancestor_curve, root_of
from ._gpus import GpuPool
from ._progress import Progress, Snapshot

LEASE = 60.0  # seconds a running trial's lease lasts without renewal
HEARTBEAT_EVERY = 2.0
COMMANDS_EVERY = 0.2

KILLED_BY_USER = "killed by user"
EXPERIMENT_STOPPED = "experiment stopped"
TIMED_OUT = "trial timeout"
NO_FINAL_RESULT = ("it reported no final result: return the metric from the trial "
                   "function, or call report_final_result()")
OUT_OF_TIME = "experiment max_duration reached"


@dataclass
class _Live:
    """Engine-side bookkeeping of one running trial."""

    number: int
    params: dict[str, Any]
    job: Job
    root: int
    attempt: int
    deadline: float | None
    last_report: float | None = None
    stop_reason: str | None = None  # set once the engine decided to stop it early
    kill_reason: str | None = None  # set once the engine ended it (stop, timeout, kill)


@dataclass
class Queued:
    """A stored waiting trial the engine will launch before asking the tuner again."""

    number: int
    params: dict[str, Any]
    job: Job | None  # None: a trial the user queued, adopted by the scheduler at launch
    root: int
    attempt: int
    exclusive: bool = False  # a GPU to itself: it ran out of memory on a shared one


@dataclass
class RunState:
    """What the loop starts from: chain counters and the queue of waiting trials."""

    counts: ChainCounts
    queue: deque[Queued] = field(default_factory=deque)
    exhausted: bool = False


class EngineLoop:
    """Runs one experiment to its end (limits, exhaustion, stop) against a store."""

    def __init__(self, *, store: Store, experiment_id: str, config: ExperimentConfig,
                 scheduler: Scheduler, executor: Executor, state: RunState,
                 elapsed_before: float, progress: Progress,
                 assessor: Assessor | None = None) -> None:
        self.store, self.id, self.config = store, experiment_id, config
        self.scheduler, self.tuner, self.assessor = scheduler, scheduler.tuner, assessor
        self.executor, self.state = executor, state
        self.counts = state.counts
        self.progress = progress
        self.gpus = GpuPool(config.gpus_per_trial, config.gpu_indices,
                            max_trials_per_gpu=config.max_trials_per_gpu,
                            memory_per_trial=config.gpu_memory_per_trial)
        self.directory = Path(store.experiment(experiment_id).directory)
        self.live: dict[int, _Live] = {}
        self._t0 = time.monotonic() - elapsed_before
        self._pid = os.getpid()  # the engine the store names (`Store.claim`)
        self._lost: str | None = None  # why another engine or a stop took the experiment
        self._stop_reason: str | None = None
        self._signalled: str | None = None  # a signal's stop, for the loop's next pass
        self._finished = False
        self._final_status = "done"
        self._message: str | None = None
        self._deferred: list[Exit] = []  # exits known before the executor saw the trial
        self._updates: list[tuple[str, int, Any]] = []  # small writes for the next commit
        # the latest trial of each scheduler job: a promoted job continues its checkpoint
        self._trial_of_job: dict[int, int] = {
            t.schedule["job"]: t.number for t in store.trials(experiment_id) if t.schedule}

    # -- public -------------------------------------------------------------------------
    def run(self) -> str:
        """Run until done; return the final status (done, stopped, failed)."""
        in_main = threading.current_thread() is threading.main_thread()
        # a signal the caller ignores (SIGINT of a job started with `&` by a script) stays
        # ignored, as it would without hyperscout
        previous = {s: signal.signal(s, self._on_signal)
                    for s in (signal.SIGINT, signal.SIGTERM)
                    if signal.getsignal(s) is not signal.SIG_IGN} if in_main else {}
        try:
            self.executor.host(self._run)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return self._final_status

    def _run(self) -> None:
        """The whole run, from the first pass to the final status in the store."""
        try:
            try:
                self._loop()
            except _ClaimLost:
                self.executor.shutdown()  # its trials are orphans now: end them, record nothing
                self.gpus.close()
                self.progress.log(self._lost or "", console=True)
                raise EngineError(self._lost) from None
            except BaseException as exc:
                self._final_status = "failed"
                self._message = f"engine error: {exc!r}"[:500]
                raise
            finally:
                if self._lost is None:
                    try:
                        self._wind_down()
                    finally:
                        self.gpus.close()
            self.store.heartbeat(self.id, elapsed=self.elapsed, lease_until=time.time())
            self.store.set_status(self.id, self._final_status, self._message)
            self.progress.log(f"experiment {self.id} {self._final_status}"
                              + (f": {self._message}" if self._message else ""),
                              console=True)
            self.progress.close(self.snapshot())
        finally:
            self._finished = True

    def _wind_down(self) -> None:
        """End every running trial and record how each ended, even after an error."""
        for live in self.live.values():
            live.kill_reason = live.kill_reason or EXPERIMENT_STOPPED
        events = self.executor.shutdown()
        try:
            self._apply(events)
            for number in list(self.live):  # no exit came back: record it ourselves
                self._deferred.append(Exit(number, ok=False, reason=EXPERIMENT_STOPPED))
            self._apply([])
        except Exception:  # the store itself failed: leases lapse and resume sees stale
            if self._final_status != "failed":
                raise

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self._t0

    def snapshot(self) -> Snapshot:
        best = self.counts.best
        return Snapshot(self.id, self.counts.done, self.config.max_trials, len(self.live),
                        self.counts.failed, best[0] if best else None, best[2] if best else None,
                        best[1] if best else None, self.elapsed, self.config.max_duration)

    # -- the loop -----------------------------------------------------------------------
    def _loop(self) -> None:
        next_beat = next_commands = 0.0
        while True:
            self._check_claim()
            if self._signalled is not None:
                self.stop(self._signalled)
            now = time.monotonic()
            if now >= next_commands:
                self._take_commands()
                next_commands = now + COMMANDS_EVERY
            self._check_limits()
            self._launch()
            if not self.live and not self._deferred and (
                    self._stop_reason is not None or not self._can_launch()):
                break
            events = self.executor.poll(0.0 if self._deferred else 0.1)
            self._apply(events)
            if any(isinstance(e, Exit) for e in events):
                next_commands = 0.0  # a stop sent as a trial ended acts before the next launch
            self._enforce_timeouts()
            if time.monotonic() >= next_beat:
                self.store.heartbeat(self.id, elapsed=self.elapsed,
                                     lease_until=time.time() + LEASE)
                next_beat = time.monotonic() + HEARTBEAT_EVERY
            self.progress.update(self.snapshot())

    def _check_claim(self) -> None:
        """Leave at once, writing nothing, when the store no longer names this process as
        the experiment's engine: it looked dead (suspended, or busy for longer than the
        heartbeat grace) and was resumed by another engine or marked stopped meanwhile."""
        holder = self.store.engine_of(self.id)
        if holder == self._pid:
            return
        self._lost = (
            f"experiment {self.id} was " + (f"taken over by engine process {holder}"
                                            if holder is not None else "marked stopped")
            + f" while this engine (process {self._pid}) was not responding; this engine "
            "leaves it to that, ending its own trials and recording nothing more.")
        raise _ClaimLost

    def _on_signal(self, signum: int, frame: Any) -> None:
        """Ctrl-C or SIGTERM: the loop stops the experiment at its next pass (the handler
        may run in another thread than the loop's, inside an in-process trial). Once the
        loop has ended, only an abandoned in-process trial can still hold this thread:
        then the signal ends it as it would without an experiment. Ctrl-C while the stop
        is under way interrupts the in-process trial this thread runs at once, instead of
        at its next report (it is recorded as stopped with the experiment)."""
        if self._finished:
            if signum == signal.SIGINT:
                raise KeyboardInterrupt
            raise SystemExit(128 + signum)
        if (signum == signal.SIGINT and self._stop_reason is not None
                and self.executor.interruptible_here()):
            raise KeyboardInterrupt
        self._signalled = f"received {signal.Signals(signum).name}"

    def stop(self, reason: str) -> None:
        """End the experiment: running trials are ended and recorded as canceled."""
        if self._stop_reason is None:
            self._stop_reason = reason
            self._final_status = "stopped"
            self._message = reason
            for number in list(self.live):
                self._kill(number, EXPERIMENT_STOPPED)

    # -- launching ----------------------------------------------------------------------
    def _can_launch(self) -> bool:
        if self.state.queue:
            return True
        if self.state.exhausted or self.scheduler.finished:
            return False
        limit = self.config.max_trials
        return limit is None or self.counts.asked < limit

    def _launch(self) -> None:
        while (self._stop_reason is None and self._signalled is None
               and len(self.live) < self.config.concurrency
               and self._can_launch() and self.executor.can_start()
               and self.gpus.can_acquire(bool(self.state.queue) and self.state.queue[0].exclusive)):
            t_ask = time.monotonic()
            queued = self._next_queued()
            if queued is None:
                return
            self._start(queued, self.gpus.acquire(queued.number, queued.exclusive) or {}, t_ask)

    def _next_queued(self) -> Queued | None:
        """The next trial to run, stored as running (one commit) before it starts."""
        lease = time.time() + LEASE
        if self.state.queue:
            queued = self.state.queue.popleft()
            self.store.start_trial(self.id, queued.number, lease_until=lease)
            return queued
        job = self.scheduler.ask()
        if job is None:
            if self.scheduler.finished or not self.live:  # nothing runs: nothing will come
                self.state.exhausted = True
                self._message = self.scheduler.message or "the scheduler has nothing to run"
                self.progress.log(f"no more trials: {self._message}", console=True)
            return None
        self.counts.asked += 1
        params = job.trial_params()
        number = self.store.new_trial(self.id, params, state=TrialState.RUNNING,
                                      lease_until=lease, schedule=job.to_dict())
        self._trial_of_job[job.id] = number
        return Queued(number, params, job, number, 0)

    def _start(self, q: Queued, env: dict[str, str], t_ask: float) -> None:
        job = q.job
        if job is None:  # queued by the user: its result joins the history
            job = self.scheduler.adopt(q.params)
            self.store.set_schedule(self.id, q.number, job.to_dict())
            self._trial_of_job[job.id] = q.number
        deadline = (time.monotonic() + self.config.trial_timeout
                    if self.config.trial_timeout else None)
        self.live[q.number] = _Live(q.number, q.params, job, q.root, q.attempt, deadline)
        if self.assessor is not None and job.parent is not None:
            self._seed_curve(q.number, job)
        spec = TrialSpec(self.id, q.number, q.params, self._trial_dir(q.number), env,
                         self._schedule_file(job), exclusive=q.exclusive)
        try:
            pid = self.executor.start(spec)
        except OSError as exc:  # e.g. a missing code directory: fails like any trial
            self._deferred.append(Exit(q.number, ok=False, reason=f"could not start: {exc}"))
            return
        self._updates.append(("started", q.number, (pid, time.monotonic() - t_ask,
                                                    self.gpus.assigned(q.number))))
        self.gpus.started(q.number, pid)
        placed = self.gpus.describe(q.number)
        if placed is not None:
            self._updates.append(("event", q.number, ("gpu", f"runs on {placed}")))
        if self._stop_reason is not None:  # a stop arrived while this trial was launching
            self._kill(q.number, EXPERIMENT_STOPPED)

    def _trial_dir(self, number: int) -> Path:
        return self.directory / "trials" / str(number)

    def _schedule_file(self, job: Job) -> dict[str, Any] | None:
        """What the trial API reads of its job: the budget and the trial (number and
        folder) whose checkpoint it continues."""
        if job.budget is None and job.parent is None:
            return None
        parent = self._trial_of_job.get(job.parent) if job.parent is not None else None
        return {**job.to_dict(), "parent_trial": parent,
                "parent_dir": None if parent is None else str(self._trial_dir(parent))}

    # -- collecting ---------------------------------------------------------------------
    def _apply(self, new: list[Event]) -> None:
        """Store reports and exits in one commit; only then count them and tell the tuner."""
        events: list[Event] = [*new, *self._deferred]
        self._deferred = []
        if not events and not self._updates:
            return
        reports: dict[int, list[dict[str, Any]]] = {}
        exits: list[Exit] = []
        placed: list[Placed] = []
        for event in events:
            if isinstance(event, Report):
                reports.setdefault(event.number, []).append(event.record)
            elif isinstance(event, Placed):
                placed.append(event)
            else:
                exits.append(event)
        finished: list[tuple[_Live, TrialState, Exit, Queued | None]] = []
        seen = time.monotonic()  # when the engine learned of these events
        with self.store.transaction():
            self._flush_updates()
            for event in placed:
                self.store.add_event(self.id, "placement", f"runs on {event.node}",
                                     trial=event.number)
            for number, records in reports.items():
                self.store.add_reports(self.id, number, records)
                if number in self.live:
                    self.live[number].last_report = time.monotonic()
                    self.gpus.reported(number)
            for event in exits:
                live = self.live.pop(event.number, None)
                if live is None:
                    continue
                live.last_report = seen  # the trial's end: its exit came after its reports
                state, reason = _state_of(event), event.reason
                has_final = self.store.trial(self.id, live.number).metrics is not None
                if state is TrialState.SUCCEEDED and not has_final:
                    if live.kill_reason is not None:
                        # it acted on the kill (`TrialStopped`) and handed back nothing
                        state, reason = _state_for(live.kill_reason), live.kill_reason
                    elif reason is None:
                        reason = NO_FINAL_RESULT
                elif has_final and state in _ENDED_AFTER_ITS_RESULT:
                    # stopped, timed out or crashed after it reported its final result: the
                    # result stands (as a kill -9 and `resume` would have kept it)
                    reason = f"{reason or state.value}, after it reported its final result"
                    state = TrialState.SUCCEEDED
                if live.stop_reason is not None and not self._finished_anyway(live, event):
                    state, reason = TrialState.EARLY_STOPPED, live.stop_reason
                requeue = (self._requeue_out_of_memory(live, event)
                           if state is TrialState.FAILED else None)
                if requeue is not None:
                    reason = requeue[1]
                self.store.finish_trial(self.id, event.number, state, reason=reason,
                                        exit_code=event.exit_code)
                # the retry is stored in the same commit as the failure it answers
                retry = requeue[0] if requeue is not None else self._plan_retry(live, state)
                finished.append((live, state, event, retry))
        if self.assessor is not None:
            self._assess(reports)
        for live, state, event, retry in finished:  # committed: now they count
            self._release_gpus(live.number)
            if retry is not None:
                self.state.queue.append(retry)
                self.progress.log(f"trial {live.number} {state.value} ({event.reason}); "
                                  f"retrying as trial {retry.number}")
            else:
                self._after_finish(live, state, event)

    def _finished_anyway(self, live: _Live, event: Exit) -> bool:
        """Whether a trial asked to stop ended on its own first: it exited cleanly without
        acting on the stop (no `TrialStopped`, or a clean exit despite the signal) and
        reported its final result."""
        return (event.exit_code == 0 and event.reason in (None, live.stop_reason)
                and self.store.trial(self.id, live.number).metrics is not None)

    def _flush_updates(self) -> None:
        for kind, number, payload in self._updates:
            if kind == "started":
                pid, ask_to_start, gpus = payload
                self.store.set_runner(self.id, number, pid=pid, ask_to_start=ask_to_start,
                                      gpus=gpus)
            elif kind == "event":
                self.store.add_event(self.id, payload[0], payload[1], trial=number)
            else:
                self.store.set_overhead(self.id, number, payload)
        self._updates.clear()

    def _assess(self, reports: dict[int, list[dict[str, Any]]]) -> None:
        """Feed the assessor the new intermediate results; stop the trials it condemns."""
        assert self.assessor is not None
        for number, records in reports.items():
            for record in records:
                if record["kind"] == "intermediate":
                    self.assessor.report(number, record["step"], record["value"])
            live = self.live.get(number)
            if live is None or live.stop_reason is not None or self._stop_reason is not None:
                continue
            if any(record["kind"] == "final" for record in records):
                continue  # it has finished its work: nothing left to save
            budget, last = live.job.budget, records[-1].get("step")
            if budget is not None and isinstance(last, (int, float)) and last >= budget:
                continue  # at the end of its budget: nothing left to save by stopping
            reason = self.assessor.assess(number)
            if reason is not None:
                self.early_stop(number, f"{self.assessor.name} assessor: {reason}")

    def _seed_curve(self, number: int, job: Job) -> None:
        """A promoted trial's curve starts with the curves of the trials it continues, so
        the assessor judges the configuration's whole learning curve."""
        assert self.assessor is not None

        def curve_of(n: int) -> list[tuple[int, float]]:
            return [(p.step if p.step is not None else p.seq, p.value)
                    for p in self.store.intermediates(self.id, n)]

        record = self.store.trial(self.id, number)
        for step, value in ancestor_curve(record, self._trial_of_job,
                                          lambda n: self.store.trial(self.id, n), curve_of):
            self.assessor.report(number, step, value)

    def early_stop(self, number: int, reason: str) -> None:
        """Stop running trial `number` early: it ends as ``early_stopped`` with `reason`.

        The trial's next report raises `TrialStopped` (it may catch it to save a
        checkpoint); a command trial also gets SIGTERM now, then SIGKILL after the
        executor's grace period."""
        live = self.live[number]
        live.stop_reason = reason
        try:
            (self._trial_dir(number) / STOP_FILE).write_text(reason + "\n")
        except OSError:
            pass  # the folder is gone: the signal (or the trial's end) still stops it
        if self.executor.stops_by_signal:
            self.executor.kill(number, reason)
        self.progress.log(f"trial {number} stopping early ({reason})")

    def _after_finish(self, live: _Live, state: TrialState, event: Exit) -> None:
        record = self.store.trial(self.id, live.number)
        metrics = record.metrics
        if state is TrialState.EARLY_STOPPED and metrics is None and record.latest is not None:
            metrics = {"default": record.latest}  # its last intermediate result counts
        if state in (TrialState.SUCCEEDED, TrialState.EARLY_STOPPED) and metrics is not None:
            self.scheduler.tell(live.job.id, metrics, state)
            if state is TrialState.SUCCEEDED:
                self.counts.offer(metrics["default"], live.number, record.params)
        else:
            self.scheduler.tell(live.job.id, None, TrialState.FAILED)
        if self.assessor is not None:
            self.assessor.finish(live.number, state)
        started = live.last_report if live.last_report is not None else time.monotonic()
        self._updates.append(("overhead", live.number, time.monotonic() - started))
        self.counts.finish(live.root, state)
        self.progress.log(_finish_line(live.number, state, record.value, event.reason))
        limit = self.config.max_failed_trials
        if limit is not None and self.counts.failed > limit and self._stop_reason is None:
            self.stop(f"{self.counts.failed} trials failed, more than max_failed_trials={limit}")
            self._final_status = "failed"

    def _release_gpus(self, number: int) -> None:
        peak = self.gpus.release(number)
        if peak > 0:
            self.store.add_event(self.id, "gpu", f"held at most {peak / 1024:.2f} GiB of GPU "
                                 "memory", trial=number)

    def _requeue_out_of_memory(self, live: _Live, event: Exit) -> tuple[Queued, str] | None:
        """A trial that ran out of CUDA memory on a GPU it shared runs again with a GPU to
        itself (not as a failure: the chain's new trial is what counts), and packing gives
        later trials more room. Stored in the caller's transaction."""
        if self._stop_reason is not None:
            return None
        if event.shared_gpu_oom is not None:  # the executor packs GPUs (Ray) and saw it
            where, estimate = event.shared_gpu_oom.where, event.shared_gpu_oom.estimate_mib
        elif self.gpus.by_memory:
            others = self.gpus.sharing(live.number)
            if not others or not is_cuda_oom(event.reason, stderr_tail(
                    self._trial_dir(live.number) / "stderr.log")):
                return None
            self.gpus.estimate.back_off()
            where = (f"GPU {self.gpus.assigned(live.number)}, shared with trials "
                     f"{', '.join(map(str, others))}")
            estimate = self.gpus.estimate.value()
        else:
            return None
        number = self.store.new_trial(self.id, live.params, attempt=live.attempt,
                                      retry_of=live.root,
                                      reason=f"requeued after trial {live.number} ran out of "
                                             "GPU memory on a shared GPU",
                                      schedule=live.job.to_dict())
        self._trial_of_job[live.job.id] = number
        reason = (f"CUDA out of memory on {where}: requeued as trial {number} with a GPU to "
                  f"itself")
        self.store.add_event(self.id, "gpu_oom", reason + (
            f"; later trials are now packed expecting {estimate / 1024:.2f} GiB each"
            if estimate else ""), trial=live.number)
        self.progress.log(f"trial {live.number}: {reason}")
        return Queued(number, live.params, live.job, live.root, live.attempt, exclusive=True), reason

    def _plan_retry(self, live: _Live, state: TrialState) -> Queued | None:
        kind = {TrialState.FAILED: "failed", TrialState.TIMEOUT: "timeout",
                TrialState.STALE: "stale"}.get(state)
        if kind is None or self._stop_reason is not None:
            return None
        if live.attempt >= self.config.max_retries.get(kind, 0):
            return None
        number = self.store.new_trial(self.id, live.params, attempt=live.attempt + 1,
                                      retry_of=live.root,
                                      reason=f"retry of trial {live.number} ({kind})",
                                      schedule=live.job.to_dict())
        self._trial_of_job[live.job.id] = number
        return Queued(number, live.params, live.job, live.root, live.attempt + 1)

    # -- limits and control ---------------------------------------------------------------
    def _check_limits(self) -> None:
        limit = self.config.max_duration
        if limit is not None and self.elapsed >= limit and self._stop_reason is None:
            self._stop_reason = OUT_OF_TIME
            self._message = OUT_OF_TIME
            for number in list(self.live):
                self._kill(number, OUT_OF_TIME)

    def _kill(self, number: int, reason: str) -> None:
        """End running trial `number` for `reason` (a stop, a timeout, the user's kill)."""
        live = self.live.get(number)
        if live is not None and live.kill_reason is None:
            live.kill_reason = reason
        self.executor.kill(number, reason)

    def _enforce_timeouts(self) -> None:
        now = time.monotonic()
        for live in list(self.live.values()):
            if live.deadline is not None and now >= live.deadline:
                live.deadline = None
                self._kill(live.number, TIMED_OUT)

    def _take_commands(self) -> None:
        for command in self.store.take_commands(self.id):
            if command.kind == "stop":
                self.stop("stopped by user")
            elif command.kind == "kill" and command.trial in self.live:
                self._kill(command.trial, KILLED_BY_USER)
            elif command.kind == "enqueue":
                self._enqueue_waiting()

    def _enqueue_waiting(self) -> None:
        queued = {q.number for q in self.state.queue}
        for record in self.store.trials(self.id, states=[TrialState.WAITING]):
            if record.number not in queued and record.number not in self.live:
                job = (Job.from_dict(record.schedule, record.params) if record.schedule
                       else None)
                self.state.queue.append(Queued(record.number, record.params, job,
                                               root_of(record), record.attempt))


class _ClaimLost(Exception):
    """The store names another engine (or none) for the experiment (`_check_claim`)."""


_ENDED_AFTER_ITS_RESULT = (TrialState.USER_CANCELED, TrialState.TIMEOUT, TrialState.FAILED,
                           TrialState.STALE)


def _state_of(event: Exit) -> TrialState:
    if event.ok:
        return TrialState.SUCCEEDED
    if event.vanished:
        return TrialState.STALE
    return _state_for(event.reason)


def _state_for(reason: str | None) -> TrialState:
    """The state of a trial that ended unsuccessfully for `reason`."""
    if reason == TIMED_OUT:
        return TrialState.TIMEOUT
    if reason in (KILLED_BY_USER, EXPERIMENT_STOPPED, OUT_OF_TIME):
        return TrialState.USER_CANCELED
    return TrialState.FAILED


def _finish_line(number: int, state: TrialState, value: float | None, reason: str | None) -> str:
    text = f"trial {number} {state.value}"
    if value is not None:
        text += f" value={value:.6g}"
    if reason:
        text += f" ({reason})"
    return text
