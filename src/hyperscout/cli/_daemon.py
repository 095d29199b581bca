"""Starting an experiment's engine in the background, as a detached process.

The engine runs as ``python -m hyperscout.cli _engine ID --storage DB`` in its own session
(closing the terminal does not stop it), with stdin from /dev/null and its stdout and
stderr appended to the experiment's log. It steers itself from the store: the CLI talks to
it only through control commands (stop, kill, enqueue) and reads its progress back there.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from ..errors import EngineError
from ..store import Store

START_TIMEOUT = 15.0  # seconds to wait for the new engine to claim its experiment
START_GRACE = 0.5  # seconds to watch a new engine after its claim, for a failure at start
_POLL = 0.05


def start_engine(store: Store, experiment_id: str) -> int:
    """Launch the background engine of `experiment_id` and wait until it runs it.

    Returns the engine's process id. Raises `EngineError` (with the log's last line) when
    the engine exits with an error before or just after it claimed the experiment.
    """
    record = store.experiment(experiment_id)
    log_path = Path(record.log_path)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    offset = log_path.stat().st_size if log_path.exists() else 0
    command = [
        sys.executable,
        "-m",
        "hyperscout.cli",
        "_engine",
        experiment_id,
        "--storage",
        str(store.path),
        "--since",
        repr(time.time()),  # a stop sent from now on is for this engine
    ]
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
            close_fds=True,
        )
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        record = store.experiment(experiment_id)
        if record.engine_pid == process.pid and record.status == "running":
            _watch_start(process, log_path, offset, experiment_id)
            return process.pid
        if process.poll() is not None:  # ended already: failed, or nothing was left to do
            _check_exit(process, log_path, offset, experiment_id)
            return process.pid
        time.sleep(_POLL)
    return process.pid  # slow to start, but alive: the caller says how to watch it


def _watch_start(
    process: subprocess.Popen[bytes], log_path: Path, offset: int, experiment_id: str
) -> None:
    """Most engine failures (a bad tuner argument, an unimportable trial) come at once."""
    deadline = time.monotonic() + START_GRACE
    while time.monotonic() < deadline:
        if process.poll() is not None:
            _check_exit(process, log_path, offset, experiment_id)
            return
        time.sleep(_POLL)


def _check_exit(
    process: subprocess.Popen[bytes], log_path: Path, offset: int, experiment_id: str
) -> None:
    """Raise `EngineError` with the log's last line when the engine exited with an error."""
    if process.returncode == 0:
        return
    reason = _last_line(log_path, offset).removeprefix("hyperscout: error: ").rstrip(".")
    raise EngineError(
        f"the engine of experiment {experiment_id} failed at start (exit code "
        f"{process.returncode}): {reason}. The whole log: {log_path}"
    )


def run_engine(experiment_id: str, storage: str | None, since: float | None = None) -> int:
    """The body of the hidden ``_engine`` command: resume the experiment here, without a
    live display (its progress goes to the experiment log). Commands sent since `since`
    (when `create` or `resume` launched this process) are for it."""
    from ..engine import Experiment

    store = Store(storage)
    print(f"engine process {os.getpid()} starts experiment {experiment_id}", flush=True)
    experiment = Experiment.load(experiment_id, storage=store, progress=False)
    experiment._commands_since = since
    experiment.run()
    return 0


def _last_line(path: Path, offset: int) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            text = f.read().decode(errors="replace")
    except OSError:
        return "no log"
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"
