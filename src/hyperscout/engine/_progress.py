"""Progress of a running experiment: a live display in a terminal, plain lines in the log.

The engine calls `update` often and `trial_finished` once per trial; this module decides
how often to redraw, so the engine loop never waits on the terminal.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

_REDRAW_EVERY = 0.25  # seconds between terminal redraws
_LOG_EVERY = 30.0  # seconds between summary lines in the log


@dataclass
class Snapshot:
    """What the display shows; the engine fills it in."""

    experiment_id: str
    done: int
    total: int | None
    running: int
    failed: int
    best_value: float | None
    best_params: dict[str, Any] | None
    best_trial: int | None
    elapsed: float
    max_duration: float | None

    @property
    def eta(self) -> float | None:
        """Seconds left, from the trial budget and the duration budget (the sooner)."""
        estimates = []
        if self.total and self.done:
            estimates.append(self.elapsed / self.done * max(self.total - self.done, 0))
        if self.max_duration:
            estimates.append(max(self.max_duration - self.elapsed, 0.0))
        return min(estimates) if estimates else None

    def line(self) -> str:
        total = "?" if self.total is None else str(self.total)
        best = "-" if self.best_value is None else f"{self.best_value:.6g} (trial {self.best_trial})"
        eta = "?" if self.eta is None else _hms(self.eta)
        return (f"[{self.experiment_id}] trials {self.done}/{total} done, {self.running} running, "
                f"{self.failed} failed | best {best} | elapsed {_hms(self.elapsed)}, left ~{eta}")


def _hms(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600:d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


class Progress:
    """Shows `Snapshot`s: a rich live panel when `live`, and lines in `log_path`."""

    def __init__(self, *, live: bool, log_path: Path | None, stream: TextIO | None = None) -> None:
        self._log = open(log_path, "a", buffering=1) if log_path else None  # noqa: SIM115
        self._live = None
        self._last_draw = 0.0
        self._last_log = time.monotonic()
        if live:
            from rich.console import Console
            from rich.live import Live

            console = Console(file=stream or sys.stdout)
            self._live = Live(console=console, auto_refresh=False, transient=False)
            self._live.start()

    def log(self, message: str, *, console: bool = False) -> None:
        """A line in the log; also above the live panel when `console` (printing there
        redraws the panel, so per-trial lines go to the log only)."""
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        if self._log:
            self._log.write(f"{stamp} {message}\n")
        if self._live and console:
            self._live.console.print(message, markup=False, highlight=False)

    def update(self, snapshot: Snapshot, *, force: bool = False) -> None:
        now = time.monotonic()
        if self._live and (force or now - self._last_draw >= _REDRAW_EVERY):
            self._live.update(_render(snapshot), refresh=True)
            self._last_draw = now
        if self._log and (force or now - self._last_log >= _LOG_EVERY):
            self.log(snapshot.line())
            self._last_log = now

    def close(self, snapshot: Snapshot | None = None) -> None:
        if snapshot is not None:
            self.update(snapshot, force=True)
        if self._live:
            self._live.stop()
            self._live = None
        if self._log:
            self._log.close()
            self._log = None


def _render(s: Snapshot) -> Any:
    from rich.table import Table

    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    total = "?" if s.total is None else str(s.total)
    table.add_row("experiment", s.experiment_id)
    table.add_row("trials", f"{s.done}/{total} done, {s.running} running, {s.failed} failed")
    table.add_row("best", "-" if s.best_value is None else f"{s.best_value:.6g} (trial {s.best_trial})")
    if s.best_params is not None:
        table.add_row("best params", json.dumps(s.best_params)[:200])
    eta = "?" if s.eta is None else _hms(s.eta)
    table.add_row("time", f"{_hms(s.elapsed)} elapsed, ~{eta} left")
    return table
