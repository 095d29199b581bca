"""`CommandExecutor`: each trial is a shell command (NNI's trial command) in its own process
group, run in the code directory, with its stdout/stderr in the trial folder."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from multiprocessing.connection import wait
from pathlib import Path

from ..trial import ENV_TRIAL_DIR
from ._base import Event, Executor, Exit, Report, TrialSpec
from ._channel import ReportTail, command_env, prepare_directory, trial_env

_REPORT_POLL = 0.05  # seconds: how often running trials' metrics files are read


@dataclass
class _Running:
    spec: TrialSpec
    process: subprocess.Popen[bytes]
    tail: ReportTail
    pidfd: int | None
    kill_reason: str | None = None
    kill_deadline: float | None = None


class CommandExecutor(Executor):
    """Runs `command` through ``/bin/sh`` in `code_dir` for every trial.

    The trial learns its parameters through the trial API (``params.json`` in the folder
    named by ``HYPERSCOUT_TRIAL_DIR``). A shim `nni` package comes first on ``PYTHONPATH``
    so NNI trial scripts run unchanged.
    """

    def __init__(self, command: str, code_dir: str | os.PathLike[str] = ".", *,
                 kill_grace: float = 5.0) -> None:
        self.command = command
        self.code_dir = Path(code_dir).resolve()
        self.kill_grace = kill_grace
        self._running: dict[int, _Running] = {}

    @property
    def running(self) -> set[int]:
        return set(self._running)

    def start(self, spec: TrialSpec) -> int:
        prepare_directory(spec.directory, spec.params, spec.schedule)
        env = command_env({**spec.env, **trial_env(spec.experiment_id, spec.number,
                                                    spec.directory)})
        with open(spec.directory / "stdout.log", "ab") as out, \
                open(spec.directory / "stderr.log", "ab") as err:
            process = subprocess.Popen(
                ["/bin/sh", "-c", self.command], cwd=self.code_dir, env=env,
                stdin=subprocess.DEVNULL, stdout=out, stderr=err, start_new_session=True,
            )
        pidfd = os.pidfd_open(process.pid) if hasattr(os, "pidfd_open") else None
        self._running[spec.number] = _Running(spec, process, ReportTail(spec.directory), pidfd)
        return process.pid

    def poll(self, timeout: float) -> list[Event]:
        fds = [r.pidfd for r in self._running.values() if r.pidfd is not None]
        if fds:
            wait(fds, timeout=min(timeout, _REPORT_POLL))
        elif timeout > 0:
            time.sleep(min(timeout, _REPORT_POLL))
        events: list[Event] = []
        now = time.monotonic()
        for number, run in list(self._running.items()):
            code = run.process.poll()
            events.extend(Report(number, r) for r in run.tail.read())
            if code is None:
                if run.kill_deadline is not None and now >= run.kill_deadline:
                    signal_group(run.process.pid, signal.SIGKILL)
                    run.kill_deadline = None
                continue
            signal_group(run.process.pid, signal.SIGKILL)  # leftovers of the group
            events.extend(Report(number, r) for r in run.tail.read())
            events.append(_exit(number, code, run.kill_reason))
            self._forget(number)
        return events

    def kill(self, number: int, reason: str) -> None:
        run = self._running.get(number)
        if run is None or run.kill_reason is not None:
            return
        run.kill_reason = reason
        run.kill_deadline = time.monotonic() + self.kill_grace
        signal_group(run.process.pid, signal.SIGTERM)

    def shutdown(self) -> list[Event]:
        for number in list(self._running):
            self.kill(number, "experiment stopped")
        events: list[Event] = []
        deadline = time.monotonic() + self.kill_grace + 1.0
        while self._running and time.monotonic() < deadline:
            events += self.poll(0.05)
        for run in self._running.values():
            signal_group(run.process.pid, signal.SIGKILL)
            run.process.wait()
        events += self.poll(0)
        return events

    def _forget(self, number: int) -> None:
        run = self._running.pop(number)
        if run.pidfd is not None:
            os.close(run.pidfd)


def _exit(number: int, code: int, kill_reason: str | None) -> Exit:
    if kill_reason is not None:
        return Exit(number, ok=False, exit_code=code, reason=kill_reason)
    return Exit(number, ok=code == 0, exit_code=code, reason=exit_reason(code))


def exit_reason(code: int) -> str | None:
    """Why a process with exit status `code` failed (None: it did not)."""
    if code == 0:
        return None
    if code < 0:
        name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
        return f"killed by signal {name}"
    return f"exit code {code}"


def signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def reap_orphans(directories: list[Path], timeout: float = 5.0) -> list[int]:
    """Kill every process of the trials in `directories` left running by a dead engine;
    return their pids.

    A command trial's processes carry ``HYPERSCOUT_TRIAL_DIR=<its folder>`` in the
    environment they started with, so they are found in /proc without a stored pid, and a
    reused pid is never hit. A trial the engine was launching when it died may still have
    been between fork and exec, without that environment yet, so /proc is scanned a second
    time a moment later. Returns once they are gone, so the caller can then read the
    trials' metrics files knowing nothing writes to them any more."""
    if not directories:
        return []
    markers = {f"{ENV_TRIAL_DIR}={d}".encode() for d in directories}
    found: list[int] = []
    for scan in range(2):
        if scan:
            time.sleep(_EXEC_WINDOW)
        for pid in _processes_with(markers):
            if pid in found:
                continue
            signal_group(pid, signal.SIGKILL)
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            found.append(pid)
    deadline = time.monotonic() + timeout
    while any(_running(pid) for pid in found) and time.monotonic() < deadline:
        time.sleep(0.01)
    return found


_EXEC_WINDOW = 0.1  # seconds: far longer than a fork takes to reach exec


def _processes_with(markers: set[bytes]) -> list[int]:
    """Pids of the processes whose initial environment holds one of `markers`."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if markers.intersection((proc / "environ").read_bytes().split(b"\0")):
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def _running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")
