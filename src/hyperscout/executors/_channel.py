"""The local trial channel: reading the report lines a trial appends to ``metrics.jsonl``.

Only complete lines count: a line cut short by a kill mid-write is left for a later read
(or ignored at the end), never half-parsed.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import time
from pathlib import Path
from typing import Any

from ..trial import (
    ENV_EXPERIMENT_ID,
    ENV_SEQUENCE_ID,
    ENV_TRIAL_DIR,
    ENV_TRIAL_ID,
    METRICS_FILE,
    PARAMS_FILE,
    SCHEDULE_FILE,
    STEP_LIMIT,
    STOP_FILE,
)

_SHIM_DIR = str(Path(__file__).resolve().parent.parent / "_nni_shim")


def trial_env(experiment_id: str, number: int, directory: os.PathLike[str] | str
              ) -> dict[str, str]:
    """The variables through which a trial finds its folder and its identity."""
    return {ENV_TRIAL_DIR: str(directory), ENV_EXPERIMENT_ID: experiment_id,
            ENV_TRIAL_ID: str(number), ENV_SEQUENCE_ID: str(number)}


def command_env(extra: dict[str, str]) -> dict[str, str]:
    """The environment of a command trial: this process's, with `extra`, and the shim
    `nni` package first on ``PYTHONPATH`` so NNI trial scripts run unchanged (with NNI's
    ``NNI_OUTPUT_DIR``, ``NNI_TRIAL_JOB_ID``, ... set as NNI sets them)."""
    env = dict(os.environ)
    env.update(extra)
    if ENV_TRIAL_DIR in extra:  # the names NNI gives its trials, which scripts read
        env.update({"NNI_PLATFORM": "local", "NNI_OUTPUT_DIR": extra[ENV_TRIAL_DIR],
                    "NNI_SYS_DIR": extra[ENV_TRIAL_DIR],
                    "NNI_EXP_ID": extra.get(ENV_EXPERIMENT_ID, ""),
                    "NNI_TRIAL_JOB_ID": extra.get(ENV_TRIAL_ID, ""),
                    "NNI_TRIAL_SEQ_ID": extra.get(ENV_SEQUENCE_ID, "")})
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_SHIM_DIR, env.get("PYTHONPATH", "")) if p)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


class ReportTail:
    """Incremental reader of one trial's metrics file.

    Each record's ``seq`` becomes its line's place in the file (0 for the first line),
    whatever the writer numbered it: the store keeps a trial's reports once by that
    number, and only the file's order is shared by every process and thread that reports
    for the trial (each appends whole lines; their own counters overlap). A file the trial
    deleted and wrote again is read from its start, its lines numbered on from the old
    file's."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / METRICS_FILE
        self._offset = 0
        self._partial = b""
        self._lines = 0  # complete lines read so far, over every version of the file
        self._inode: int | None = None

    def read(self) -> list[dict[str, Any]]:
        """Records appended since the last call."""
        try:
            with open(self.path, "rb") as f:
                status = os.fstat(f.fileno())
                if self._inode is not None and (status.st_ino != self._inode
                                                or status.st_size < self._offset):
                    self._offset, self._partial = 0, b""  # a new file: read it whole
                self._inode = status.st_ino
                f.seek(self._offset)
                data = f.read()
        except FileNotFoundError:
            return []
        if not data:
            return []
        self._offset += len(data)
        data = self._partial + data
        lines = data.split(b"\n")
        self._partial = lines.pop()
        records = []
        for line in lines:
            record = _parse(line) if line.strip() else None
            if record is not None:
                record["seq"] = self._lines
                records.append(record)
            self._lines += 1
        return records


def _parse(line: bytes) -> dict[str, Any] | None:
    """A well-formed report record, or None for anything else (hand-written or damaged
    lines are skipped: they must never reach the store or stop the engine)."""
    try:
        record = json.loads(line)
    except ValueError:
        return None
    if not isinstance(record, dict) or record.get("kind") not in ("intermediate", "final"):
        return None
    seq, step = record.get("seq"), record.get("step")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0 \
            or not (step is None or _is_int(step) and -STEP_LIMIT <= step < STEP_LIMIT):
        return None  # a step beyond 64 bits cannot be stored
    value = record.get("value")
    if not isinstance(value, (int, float)) or not _is_finite(value):
        return None
    metrics = record.get("metrics", {"default": value})
    if not isinstance(metrics, dict) or not all(
            isinstance(k, str) and _is_finite(v) for k, v in metrics.items()):
        return None
    when = record.get("time")
    return {"seq": seq, "kind": record["kind"], "value": float(value),
            "metrics": {k: float(v) for k, v in metrics.items()},
            "step": step if record["kind"] == "intermediate" else None,
            "time": float(when) if isinstance(when, (int, float)) and _is_finite(when)
            else time.time()}


def _is_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _is_finite(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def read_reports(directory: Path) -> list[dict[str, Any]]:
    """Every complete record in a trial's metrics file (used by `resume`)."""
    return ReportTail(directory).read()


def prepare_directory(directory: Path, params: dict[str, Any],
                      schedule: dict[str, Any] | None = None) -> None:
    """Create the trial folder and write ``params.json`` (and ``schedule.json``)
    atomically; a ``stop`` file left by an earlier run of the folder is removed."""
    directory.mkdir(parents=True, exist_ok=True)
    files = {PARAMS_FILE: params} if schedule is None else {PARAMS_FILE: params,
                                                           SCHEDULE_FILE: schedule}
    for name, data in files.items():
        tmp = directory / (name + ".tmp")
        with open(tmp, "w") as f:
            json.dump(data, f)
        os.replace(tmp, directory / name)
    with contextlib.suppress(FileNotFoundError):
        os.remove(directory / STOP_FILE)
