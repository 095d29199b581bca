"""The executor interface: run a trial somewhere and stream its reports back.

The engine hands an executor `TrialSpec`s and polls it for `Report`s and `Exit`s. Local
executors (`FunctionExecutor`, `CommandExecutor`) come first; a distributed one plugs in
behind the same four methods.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union


@dataclass(frozen=True)
class TrialSpec:
    """What to run: one trial's identity, parameters, folder and extra environment, and
    its scheduler job (`schedule`, written to ``schedule.json`` for the trial API)."""

    experiment_id: str
    number: int
    params: dict[str, Any]
    directory: Path
    env: dict[str, str] = field(default_factory=dict)
    schedule: dict[str, Any] | None = None
    exclusive: bool = False  # a GPU to itself: it ran out of memory on a shared one before


@dataclass(frozen=True)
class Report:
    """One line the trial appended to its metrics file (see `hyperscout.trial`)."""

    number: int
    record: dict[str, Any]


@dataclass(frozen=True)
class SharedGpuOom:
    """A trial ran out of CUDA memory on a GPU that an executor packing GPUs itself (Ray)
    had it share: `where`, and what packing now expects a trial to need (MiB)."""

    where: str
    estimate_mib: float | None = None


@dataclass(frozen=True)
class Exit:
    """A trial's runner ended. `ok` means it finished normally (exit code 0 / no exception);
    `vanished` means its runner died under it (the engine marks the trial stale)."""

    number: int
    ok: bool
    exit_code: int | None = None
    reason: str | None = None
    vanished: bool = False
    shared_gpu_oom: SharedGpuOom | None = None  # the engine runs it again with a GPU alone


@dataclass(frozen=True)
class Placed:
    """Where a trial runs, when the executor spreads trials over machines (Ray): recorded
    as the trial's ``placement`` event, which `trial ls` and the dashboard show."""

    number: int
    node: str


Event = Union[Report, Exit, Placed]  # noqa: UP007 - a runtime alias on 3.10


class Executor(ABC):
    """Runs trials; the engine calls it from one thread (see `host`)."""

    kill_grace: float = 5.0  # seconds between SIGTERM and SIGKILL
    stops_by_signal: bool = True  # an early stop sends SIGTERM at once (command trials);
    # False: the trial sees `TrialStopped` at its next report, and is killed only if it
    # has not ended after the engine's grace period (function trials)

    def host(self, engine: Callable[[], None]) -> None:
        """Run the engine loop `engine` to its end. It runs in the calling thread, except
        for an executor that runs trials in that thread itself (`InProcessExecutor`)."""
        engine()

    def interruptible_here(self) -> bool:
        """Whether this thread is inside a trial's own code, where `KeyboardInterrupt` may
        be raised to end it at once (an in-process trial; never the engine's code)."""
        return False

    @abstractmethod
    def start(self, spec: TrialSpec) -> int | None:
        """Launch the trial; return its process id where there is one."""

    def can_start(self) -> bool:
        """Whether a trial started now would run soon, for executors whose own resources
        (not the engine's concurrency) limit what runs."""
        return True

    @abstractmethod
    def poll(self, timeout: float) -> list[Event]:
        """Wait up to `timeout` seconds for activity; return reports, then exits.

        A trial's last reports always come before its `Exit`."""

    @abstractmethod
    def kill(self, number: int, reason: str) -> None:
        """End a running trial (SIGTERM, then SIGKILL after `kill_grace`); its `Exit`
        arrives through `poll` with `reason`."""

    @abstractmethod
    def shutdown(self) -> list[Event]:
        """End every running trial, release the executor's processes, and return the
        reports and exits collected meanwhile (so the engine can record them)."""

    @property
    @abstractmethod
    def running(self) -> set[int]:
        """Numbers of the trials started and not yet reported as exited."""
