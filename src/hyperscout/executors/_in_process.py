"""`InProcessExecutor`: each trial calls a Python function in the engine's own process,
one trial at a time, in the thread that started the experiment.

This is how Keras Tuner runs its trials, and what its users' code relies on: the model,
the data and the callbacks stay in the one process (no fork after CUDA has started, nothing
pickled), and a notebook keeps showing the training output. Trials run in the caller's own
thread (the engine loop moves to a helper thread meanwhile) because that thread is often
where the user's script already ran torch: a trial in a second thread would get a second
OpenMP pool, and two pools on the same cores throttle each other (measured on 2 cores:
1.37x the training time of a plain loop; bench/results/in-process-torch.md). It also lets
trial code do what only the main thread may, such as installing signal handlers.

The price is isolation: a trial that crashes the interpreter takes the engine with it
(every result reported before is already in the store and `resume` continues), and a trial
cannot be killed by a signal. An early stop, a kill or a timeout reaches the function as
`TrialStopped` at its next report or `check_stop()` call; a trial that ignores it past the
grace period is abandoned: the experiment goes on (later trials run in threads of their
own while the caller's thread is held), whatever the trial reports later is not recorded,
and the experiment returns to its caller only once that function returns (Ctrl-C then
interrupts it as usual).
"""

from __future__ import annotations

import queue
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from .. import trial as trial_api
from ..errors import EngineError, TrialStopped
from ..trial import STOP_FILE
from ._base import Event, Executor, Exit, Report, TrialSpec
from ._channel import ReportTail, prepare_directory
from ._function import _takes_params


class _Running:
    def __init__(self, spec: TrialSpec, tail: ReportTail) -> None:
        self.spec = spec
        self.tail = tail
        self.done: tuple[bool, str | None] | None = None
        self.kill_reason: str | None = None
        self.kill_deadline: float | None = None


class InProcessExecutor(Executor):
    """Runs ``fn(params)`` (or ``fn()`` that calls `get_next_parameter`) in this process,
    one trial at a time; results as for `FunctionExecutor`. While the engine runs through
    `host`, trials run in the thread that called it; otherwise each in a thread of its own.

    The trial's writes to ``sys.stdout`` / ``sys.stderr`` go both where they went before
    (the terminal or notebook) and to its ``stdout.log`` / ``stderr.log``.
    """

    stops_by_signal = False

    def __init__(self, fn: Callable[..., Any], *, kill_grace: float = 30.0) -> None:
        if not callable(fn):
            raise TypeError(f"the trial function must be callable, but got {fn!r}")
        self.fn = fn
        self.kill_grace = kill_grace
        self._wants_params = _takes_params(fn)
        self._running: dict[int, _Running] = {}
        self._wake = threading.Event()
        self._host_jobs: queue.SimpleQueue[TrialSpec | None] | None = None
        self._host_busy = False  # the caller's thread is running a trial
        self._inside = threading.local()  # `inside`: this thread runs a trial's function

    def host(self, engine: Callable[[], None]) -> None:
        """Run `engine` in a helper thread while this thread runs the trials it starts; its
        error, if any, is raised here once this thread is free again."""
        jobs: queue.SimpleQueue[TrialSpec | None] = queue.SimpleQueue()
        failure: list[BaseException] = []

        def drive() -> None:
            try:
                engine()
            except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
                failure.append(exc)
            finally:
                self._host_jobs = None
                jobs.put(None)

        self._host_jobs, self._host_busy = jobs, False
        helper = threading.Thread(target=drive, daemon=True, name="hyperscout-engine")
        helper.start()
        while (spec := jobs.get()) is not None:
            self._main(spec, hosted=True)
        helper.join()
        if failure:
            raise failure[0]

    @property
    def running(self) -> set[int]:
        return set(self._running)

    def interruptible_here(self) -> bool:
        return getattr(self._inside, "flag", False)

    def start(self, spec: TrialSpec) -> None:
        if self._running:
            raise EngineError(
                "the in-process executor runs one trial at a time, but trial "
                f"{spec.number} was started while trial {next(iter(self._running))} runs; "
                "use concurrency=1 with executor='in_process'.")
        prepare_directory(spec.directory, spec.params, spec.schedule)
        self._running[spec.number] = _Running(spec, ReportTail(spec.directory))
        if self._host_jobs is not None and not self._host_busy:
            self._host_busy = True
            self._host_jobs.put(spec)
        else:  # no host, or it still runs an abandoned trial
            threading.Thread(target=self._main, args=(spec,), daemon=True,
                             name=f"hyperscout-trial-{spec.number}").start()

    def _main(self, spec: TrialSpec, hosted: bool = False) -> None:
        running = self._running[spec.number]
        outcome: tuple[bool, str | None]
        try:
            outcome = self._call(spec)
        except BaseException as exc:  # noqa: BLE001 - e.g. its log files cannot be opened
            outcome = (False, f"{type(exc).__name__}: {exc}"[:500])
        finally:
            if hosted:  # free before the engine hears of the end, so it hands over the next
                self._host_busy = False
            running.done = outcome
            self._wake.set()

    def _call(self, spec: TrialSpec) -> tuple[bool, str | None]:
        """Call the trial function as trial `spec`; return (ok, reason)."""
        context = trial_api.TrialContext(spec.experiment_id, str(spec.number), spec.number,
                                         spec.directory, params=dict(spec.params),
                                         notify=self._wake.set)
        trial_api._enter(context)
        try:
            with _tee(spec.directory):
                try:
                    self._inside.flag = True
                    try:
                        result = self.fn(dict(spec.params)) if self._wants_params else self.fn()
                    finally:
                        self._inside.flag = False
                    context.hand_back(result)
                    return True, None
                except TrialStopped as exc:
                    return True, f"stopped early: {exc}"[:500]
                except BaseException as exc:  # noqa: BLE001 - a trial may raise anything
                    traceback.print_exc()
                    return False, f"{type(exc).__name__}: {exc}"[:500]
        finally:
            trial_api._leave(context)

    def poll(self, timeout: float) -> list[Event]:
        if self._running:
            deadlines = [r.kill_deadline for r in self._running.values() if r.kill_deadline]
            if deadlines:
                timeout = max(0.0, min(timeout, min(deadlines) - time.monotonic()))
            self._wake.wait(timeout)
            self._wake.clear()
        elif timeout > 0:
            time.sleep(timeout)
        events: list[Event] = []
        for number, running in list(self._running.items()):
            events.extend(self._collect(number, running))
        return events

    def _collect(self, number: int, running: _Running) -> list[Event]:
        done = running.done  # read before the file: its last lines are then always there
        events: list[Event] = [Report(number, r) for r in running.tail.read()]
        if done is not None:
            ok, reason = done
            if not ok and running.kill_reason is not None:
                reason = running.kill_reason
            events.append(Exit(number, ok=ok, exit_code=0 if ok else 1, reason=reason))
            del self._running[number]
        elif running.kill_deadline is not None and time.monotonic() >= running.kill_deadline:
            events.append(Exit(number, ok=False, reason=(
                f"{running.kill_reason} (the trial did not stop within {self.kill_grace:g} s "
                "and was abandoned; an in-process trial cannot be killed)")))
            del self._running[number]
        return events

    def kill(self, number: int, reason: str) -> None:
        running = self._running.get(number)
        if running is None or running.kill_reason is not None:
            return
        running.kill_reason = reason
        running.kill_deadline = time.monotonic() + self.kill_grace
        try:  # the trial's next report (or check_stop) raises TrialStopped
            (running.spec.directory / STOP_FILE).write_text(reason + "\n")
        except OSError:
            pass

    def shutdown(self) -> list[Event]:
        for number in list(self._running):
            self.kill(number, "experiment stopped")
        events: list[Event] = []
        while self._running:
            events += self.poll(0.05)
        return events


class _Tee:
    """A text stream that writes to `base` always, and to `log` too from one thread until
    its trial ends."""

    def __init__(self, base: TextIO, log: TextIO, thread: int) -> None:
        self._base, self._log, self._thread = base, log, thread
        self.ended = False

    def write(self, text: str) -> int:
        if not self.ended and threading.get_ident() == self._thread:
            self._log.write(text)
        return self._base.write(text)

    def flush(self) -> None:
        self._base.flush()
        if not self.ended and threading.get_ident() == self._thread:
            self._log.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._base, name)


def _live(stream: TextIO) -> TextIO:
    """`stream` without the tees of trials that have ended."""
    while isinstance(stream, _Tee) and stream.ended:
        stream = stream._base
    return stream


class _tee:
    """Copy the current thread's writes to sys.stdout / sys.stderr into the trial's logs.

    An abandoned trial may end after a later one started its own tee on top of this one;
    then this one only stops copying, and the later one drops it when it restores."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def __enter__(self) -> None:
        me = threading.get_ident()
        self._files = [open(self.directory / name, "a", buffering=1)  # noqa: SIM115
                       for name in ("stdout.log", "stderr.log")]
        self._saved = sys.stdout, sys.stderr
        self._tees = (_Tee(sys.stdout, self._files[0], me), _Tee(sys.stderr, self._files[1], me))
        sys.stdout, sys.stderr = self._tees  # type: ignore[assignment]

    def __exit__(self, *exc: object) -> None:
        for t in self._tees:
            t.ended = True
        if sys.stdout is self._tees[0]:
            sys.stdout, sys.stderr = _live(self._saved[0]), _live(self._saved[1])
        for f in self._files:
            f.close()
