"""`FunctionExecutor`: each trial calls a Python function in a forked worker process.

Workers are forked from the engine (which is single-threaded, so forking is safe) and run
one trial at a time, many trials each, so a trial costs no interpreter start. A crash or
hang in the function takes down only its worker: the trial is recorded, the worker
replaced. With `fresh_process=True` (used when GPUs are assigned, since
``CUDA_VISIBLE_DEVICES`` must be set before CUDA starts) every trial gets a new worker.
"""

from __future__ import annotations

import inspect
import multiprocessing as mp
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from .. import trial as trial_api
from ..errors import ConfigError, TrialStopped
from ._base import Event, Executor, Exit, Report, TrialSpec
from ._channel import ReportTail, prepare_directory, trial_env

_CTX = mp.get_context("fork")
_SIGNALS = {signal.SIGINT, signal.SIGTERM}


@dataclass
class _Worker:
    process: Any  # multiprocessing.Process
    conn: Connection
    number: int | None = None
    tail: ReportTail | None = None
    kill_reason: str | None = None
    kill_deadline: float | None = None


class FunctionExecutor(Executor):
    """Runs ``fn(params)`` (or ``fn()`` that calls `get_next_parameter`) per trial.

    A returned number or metric dict becomes the final result unless the function
    already called `report_final_result`; an exception fails the trial with its
    traceback in the trial's ``stderr.log``. An early stop reaches the function as
    `TrialStopped` raised by its next report.
    """

    stops_by_signal = False

    def __init__(self, fn: Callable[..., Any], *, fresh_process: bool = False,
                 kill_grace: float = 5.0) -> None:
        if not callable(fn):
            raise TypeError(f"the trial function must be callable, but got {fn!r}")
        self.fn = fn
        self.fresh_process = fresh_process
        self.kill_grace = kill_grace
        self._idle: list[_Worker] = []
        self._busy: dict[int, _Worker] = {}

    @property
    def running(self) -> set[int]:
        return set(self._busy)

    def start(self, spec: TrialSpec) -> int:
        worker = self._idle.pop() if self._idle else self._spawn()
        worker.number = spec.number
        worker.tail = ReportTail(spec.directory)
        worker.conn.send(spec)
        self._busy[spec.number] = worker
        return worker.process.pid

    def _spawn(self) -> _Worker:
        parent, child = _CTX.Pipe()
        process = _CTX.Process(target=_worker_main,
                               args=(self.fn, child, os.getpid(), _torch_loaded()),
                               daemon=True)
        # Signals stay blocked across the fork until the worker has its own handlers: a
        # SIGTERM must never run the engine's handler inside a worker.
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
        try:
            process.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        child.close()
        return _Worker(process, parent)

    def poll(self, timeout: float) -> list[Event]:
        if self._busy:
            waitables: list[Any] = [w.conn for w in self._busy.values()]
            waitables += [w.process.sentinel for w in self._busy.values()]
            deadlines = [w.kill_deadline for w in self._busy.values() if w.kill_deadline]
            if deadlines:
                timeout = max(0.0, min(timeout, min(deadlines) - time.monotonic()))
            wait(waitables, timeout=timeout)
        elif timeout > 0:
            time.sleep(timeout)
        events: list[Event] = []
        for number, worker in list(self._busy.items()):
            events.extend(self._collect(number, worker))
        return events

    def _collect(self, number: int, worker: _Worker) -> list[Event]:
        assert worker.tail is not None
        # Liveness first, file last: a line written just before the worker died or said
        # "done" is then always read before its Exit is reported.
        alive = worker.process.is_alive()
        done: tuple[Any, ...] | None = None
        try:
            while worker.conn.poll():
                message = worker.conn.recv()
                if message[0] == "done":
                    done = message
        except (EOFError, OSError):
            pass
        events: list[Event] = [Report(number, r) for r in worker.tail.read()]
        if done is not None:
            _, ok, reason = done
            if not ok and worker.kill_reason is not None:
                reason = worker.kill_reason  # a result that arrived before the kill stands
            events.append(Exit(number, ok=ok, exit_code=0 if ok else 1, reason=reason))
            self._release(number, worker, reuse=worker.kill_reason is None)
        elif not alive:
            worker.process.join()
            code = worker.process.exitcode
            reason = worker.kill_reason or _death_reason(code)
            events.append(Exit(number, ok=False, exit_code=code, reason=reason))
            self._release(number, worker, reuse=False)
        elif worker.kill_deadline is not None and time.monotonic() >= worker.kill_deadline:
            worker.kill_deadline = None
            _kill(worker.process.pid, signal.SIGKILL)
        return events

    def _release(self, number: int, worker: _Worker, *, reuse: bool) -> None:
        del self._busy[number]
        worker.number = worker.tail = None
        if reuse and not self.fresh_process:
            self._idle.append(worker)
        else:
            _stop_worker(worker)

    def kill(self, number: int, reason: str) -> None:
        worker = self._busy.get(number)
        if worker is None or worker.kill_reason is not None:
            return
        worker.kill_reason = reason
        worker.kill_deadline = time.monotonic() + self.kill_grace
        _kill(worker.process.pid, signal.SIGTERM)

    def shutdown(self) -> list[Event]:
        for number in list(self._busy):
            self.kill(number, "experiment stopped")
        events: list[Event] = []
        deadline = time.monotonic() + self.kill_grace + 1.0
        while self._busy and time.monotonic() < deadline:
            events += self.poll(0.05)
        for number, worker in list(self._busy.items()):
            _kill(worker.process.pid, signal.SIGKILL)
            worker.process.join()
            events += self._collect(number, worker)
        for worker in self._idle:
            _stop_worker(worker)
        self._idle.clear()
        return events


def _stop_worker(worker: _Worker) -> None:
    try:
        worker.conn.send(None)
    except (OSError, BrokenPipeError):
        pass
    worker.conn.close()
    worker.process.join(timeout=1.0)
    if worker.process.is_alive():
        _kill(worker.process.pid, signal.SIGKILL)
        worker.process.join()


def _kill(pid: int, sig: int) -> None:
    """Signal the worker's process group (the trial's own subprocesses too)."""
    try:
        os.killpg(pid, sig)
        return
    except (ProcessLookupError, PermissionError):
        pass  # not yet its own group leader: signal the worker alone
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _death_reason(code: int | None) -> str:
    if code is not None and code < 0:
        name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
        return f"worker process died (signal {name})"
    return f"worker process died (exit code {code})"


# -- inside the worker process ------------------------------------------------------------

def _torch_loaded() -> bool:
    """Whether this process may have started torch's OpenMP thread pool, in which case a
    forked child deadlocks on its first parallel torch operation unless it stays on one
    thread (as PyTorch's own DataLoader workers do). The pool's state cannot be read back
    (counting threads fails once `torch.set_num_threads` has shrunk the pool, which does
    not make forking safe again), so any engine that has imported torch counts: one thread
    is slow, a deadlock is forever."""
    return "torch" in sys.modules


TORCH_NOTE = (
    "hyperscout: torch runs on one thread in this trial: the process running the "
    "experiment had imported torch before forking this worker, and a forked worker "
    "deadlocks in torch's thread pool if its parent ever used it. Run as many trials at "
    "once as there are cores (concurrency), run trials as commands (which may use every "
    "thread), or keep torch out of the process that runs the experiment.\n")


def _worker_main(fn: Callable[..., Any], conn: Connection, engine_pid: int,
                 torch_pool: bool = False) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the engine's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.setpgid(0, 0)  # its own group: a kill reaches the trial's subprocesses too
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS)
    _die_with_parent()
    if os.getppid() != engine_pid:  # the engine died before the line above took effect
        os._exit(1)
    # The engine starts its workers as daemons (they end with it), which multiprocessing
    # takes to mean "no children"; a trial may start its own (a torch DataLoader's
    # workers, a multiprocessing pool). They die with the worker's process group.
    mp.current_process()._config["daemon"] = False
    # The parent's sys.stdout may be a notebook or test-runner object; a trial's prints
    # must land in its own stdout.log, which the worker puts on file descriptors 1 and 2.
    sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
    wants_params = _takes_params(fn)
    if torch_pool:
        import torch

        torch.set_num_threads(1)
    while True:
        try:
            spec = conn.recv()
        except (EOFError, OSError):
            return
        if spec is None:
            return
        ok, reason = _run_one(fn, spec, wants_params, lambda: conn.send(("report",)),
                              note=TORCH_NOTE if torch_pool else "")
        conn.send(("done", ok, reason))


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this worker when the engine dies, so a killed engine leaves
    no worker running an old trial beside its re-run after `resume`."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: an orphaned worker ends when its pipe closes


def check_trial_function(fn: Callable[..., Any]) -> None:
    """Raise `ConfigError` now if `fn` can be called neither as ``fn(params)`` nor as
    ``fn()``, instead of failing every trial."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):  # a builtin: let the call decide
        return
    try:
        signature.bind({}) if _takes_params(fn) else signature.bind()
    except TypeError as exc:
        name = getattr(fn, "__qualname__", repr(fn))
        raise ConfigError(
            f"the trial function {name}{signature} cannot be called with the parameters "
            f"({exc}): give it one argument, the params dict (`def trial(params)`), or none "
            "(`def trial()` that calls get_next_parameter()); other arguments need defaults."
        ) from None


def _takes_params(fn: Callable[..., Any]) -> bool:
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return True
    positional = [p for p in parameters
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)]
    return bool(positional)


def _run_one(fn: Callable[..., Any], spec: TrialSpec, wants_params: bool,
             notify: Callable[[], None], note: str = "") -> tuple[bool, str | None]:
    prepare_directory(spec.directory, spec.params, spec.schedule)
    os.environ.update(spec.env)
    os.environ.update(trial_env(spec.experiment_id, spec.number, spec.directory))
    context = trial_api.TrialContext(spec.experiment_id, str(spec.number), spec.number,
                                     spec.directory, params=dict(spec.params), notify=notify)
    trial_api._install(context)
    saved = _redirect(spec.directory)
    sys.stderr.write(note)
    try:
        result = fn(dict(spec.params)) if wants_params else fn()
        context.notify = None  # "done" follows at once and wakes the engine
        context.hand_back(result)
        return True, None
    except TrialStopped as exc:  # the engine asked for it: not a failure
        return True, f"stopped early: {exc}"[:500]
    except BaseException as exc:  # noqa: BLE001 - a trial may raise anything, even SystemExit
        traceback.print_exc()
        return False, f"{type(exc).__name__}: {exc}"[:500]
    finally:
        _restore(saved)
        trial_api._install(None)


def _redirect(directory: Any) -> tuple[int, int]:
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    for fd, name in ((1, "stdout.log"), (2, "stderr.log")):
        target = os.open(directory / name, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(target, fd)
        os.close(target)
    return saved


def _restore(saved: tuple[int, int]) -> None:
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    for fd, copy in zip((1, 2), saved):
        os.dup2(copy, fd)
        os.close(copy)
