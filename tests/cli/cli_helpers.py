"""Helpers for the CLI tests: run ``python -m hyperscout.cli`` as a real subprocess, and
seed a store through the Store API so read-only commands have something to show.
(The fixtures are registered by conftest.py.)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from hyperscout import Experiment, TrialState
from hyperscout.store import Store

SPACE = {
    "x": {"_type": "uniform", "_value": [0.0, 1.0]},
    "layers": {"_type": "choice", "_value": [1, 2, 3]},
}


def hyperscout(
    *args: str, storage: Path | None = None, timeout: float = 60, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``hyperscout ARGS --storage STORAGE`` in a fresh interpreter; output captured."""
    command = [sys.executable, "-m", "hyperscout.cli", *args]
    if storage is not None:
        command += ["--storage", str(storage)]
    return subprocess.run(
        command, check=False, capture_output=True, text=True, timeout=timeout, cwd=cwd
    )


@dataclass
class Seeded:
    """A stored experiment with trials in several states (no engine ever ran it)."""

    store: Store
    storage: Path
    id: str


def _record(seq: int, kind: str, value: float, step: int | None = None, **metrics: float) -> dict:
    return {
        "seq": seq,
        "kind": kind,
        "value": value,
        "step": step,
        "time": time.time(),
        "metrics": {"default": value, **metrics},
    }


def seeded(tmp_path: Path) -> Seeded:
    """Trials: 0 succeeded (0.5, two intermediate results, output in its logs), 1 failed,
    2 succeeded (0.9, the best, with a second metric), 3 timed out, 4 waiting."""
    storage = tmp_path / "store"
    store = Store(storage)
    exp = Experiment(
        "python trial.py",
        SPACE,
        code_dir=tmp_path,
        name="seeded",
        max_trials=5,
        storage=store,
        progress=False,
    )
    exp_id = exp.create()
    store.add_event(exp_id, "note", "seeded by the test")
    finals = {
        0: (TrialState.SUCCEEDED, 0.5),
        1: (TrialState.FAILED, None),
        2: (TrialState.SUCCEEDED, 0.9),
        3: (TrialState.TIMEOUT, None),
    }
    for number, (state, value) in finals.items():
        store.add_trial(exp_id, number, {"x": number / 10, "layers": 1 + number % 3})
        store.start_trial(
            exp_id, number, lease_until=time.time() + 60, ask_to_start=0.001 * (number + 1)
        )
        if number == 0:
            store.add_reports(
                exp_id, 0, [_record(0, "intermediate", 0.3, 0), _record(1, "intermediate", 0.4, 1)]
            )
        if value is not None:
            store.add_reports(exp_id, number, [_record(5, "final", value, loss=1 - value)])
        reason = {TrialState.FAILED: "exit code 1", TrialState.TIMEOUT: "trial timeout"}.get(state)
        store.finish_trial(
            exp_id,
            number,
            state,
            reason=reason,
            exit_code=1 if state is TrialState.FAILED else 0,
            report_to_tell=0.002 * (number + 1),
        )
        folder = Path(store.trial(exp_id, number).directory)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "stdout.log").write_text("".join(f"trial {number} line {i}\n" for i in range(5)))
        (folder / "stderr.log").write_text(f"trial {number} warning\n")
    store.add_trial(exp_id, 4, {"x": 0.4, "layers": 2})
    Path(store.experiment(exp_id).log_path).write_text("engine line 1\nengine line 2\n")
    return Seeded(store, storage, exp_id)


TRIAL_SCRIPT = """\
import os, sys, time
import nni
p = nni.get_next_parameter()
for step in range(2):
    nni.report_intermediate_result(p["x"] * step)
if os.path.exists("sleep"):
    time.sleep(120)
if os.path.exists("fail"):
    print("failing on purpose", file=sys.stderr)
    sys.exit(3)
print("x is", p["x"])
nni.report_final_result(p["x"])
"""


def trial_dir(tmp_path: Path) -> Path:
    """A code folder with a fast trial script: two intermediate results, then the final
    one. A file ``sleep`` there makes it sleep 2 minutes; a file ``fail`` makes it exit 3."""
    code = tmp_path / "code"
    code.mkdir()
    (code / "trial.py").write_text(TRIAL_SCRIPT)
    return code


def stop_engine_of(store: Store, experiment_id: str) -> None:
    """Test cleanup: SIGKILL an engine still running the experiment, and its trials."""
    record = store.experiment(experiment_id)
    if record.engine_pid and record.status == "running":
        for trial in store.trials(experiment_id, states=[TrialState.RUNNING]):
            if trial.pid:
                _kill_group(trial.pid)
        try:
            os.kill(record.engine_pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
