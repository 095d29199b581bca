"""The scheduler tests' stand-in for the engine: run a scheduler to its end."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def drive(scheduler: Any, value: Callable[[Any], float], *, concurrency: int = 1,
          stop_after: int | None = None) -> list[Any]:
    """Ask and tell until `scheduler` has nothing more to run (or `stop_after` jobs have
    ended), with `concurrency` jobs in flight, the oldest ending first; return the jobs in
    the order they were asked for."""
    running: list[Any] = []
    asked: list[Any] = []
    ended = 0
    while not scheduler.finished:
        while len(running) < concurrency and (job := scheduler.ask()) is not None:
            running.append(job)
            asked.append(job)
        if not running:
            break
        job = running.pop(0)
        scheduler.tell(job.id, value(job), "succeeded")
        ended += 1
        if stop_after is not None and ended == stop_after:
            break
    return asked
