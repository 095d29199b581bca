"""Helpers every command shares: opening the store, user errors, waiting on the engine."""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..engine import import_function
from ..errors import ConfigError, HyperscoutError
from ..store import ExperimentRecord, Store


class UsageError(HyperscoutError, ValueError):
    """The command line names something that does not exist or cannot be done now."""


def open_store(args: argparse.Namespace) -> Store:
    """The store named by ``--storage`` (default ``$HYPERSCOUT_HOME`` or ``~/.hyperscout``).

    A relative path is made absolute here: the store records trial folders under its own
    path, and a command trial runs in its code directory, where a relative one would miss.
    """
    storage = getattr(args, "storage", None)
    return Store(None if storage is None else os.path.abspath(os.path.expanduser(storage)))


def the_running_experiment(store: Store, given: str | None) -> str:
    """`given`, or, as nnictl does when no id is given, the one running experiment; an
    error listing them when there are none or several."""
    if given is not None:
        return store.experiment(given).id
    running = [r.id for r in store.experiments() if r.status == "running"]
    if len(running) == 1:
        return running[0]
    raise UsageError(
        "give the experiment's ID: " + (
            "no experiment is running (`hyperscout experiment list` shows them all)"
            if not running else f"{len(running)} are running: {', '.join(running)}"))


def config_path(path: str) -> Path:
    """`path` as an existing config file, or a `ConfigError` that says what to pass."""
    file = Path(path).expanduser()
    if not file.is_file():
        what = "is a folder" if file.is_dir() else "does not exist"
        raise ConfigError(
            f"config file {path!r} {what}; pass the path of a hyperscout YAML or NNI config "
            "file with --config."
        )
    return file


def require_running(record: ExperimentRecord, action: str) -> None:
    """Refuse `action` unless an engine runs the experiment now."""
    if record.status != "running":
        hint = (
            f"resume it with `hyperscout resume {record.id}` first"
            if record.status in ("stopped", "interrupted", "created", "failed")
            else "it has finished"
        )
        raise UsageError(
            f"cannot {action}: experiment {record.id} is not running (status {record.status}); "
            f"{hint}."
        )


def wait_for(condition: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    """Poll `condition` until it holds (True) or `timeout` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def drain_stale_commands(store: Store, experiment_id: str) -> int:
    """Drop control commands left pending for an engine that is gone.

    A ``stop`` queued just as an engine ended would otherwise stop the next `resume` at
    once. Call only when no engine runs the experiment. Returns how many were dropped."""
    return len(store.take_commands(experiment_id))


def check_runnable(exp: Any) -> None:
    """Fail now, before anything is stored or started, on what would fail the engine at
    once: an unknown tuner or bad tuner arguments, an unimportable trial function."""
    from ..tuners import create

    config = exp.config
    create(
        config.tuner, exp.space, direction=config.direction, seed=config.seed, **config.tuner_args
    )
    if config.trial_function is not None:
        import_function(config.trial_function, config.trial_code_directory)
