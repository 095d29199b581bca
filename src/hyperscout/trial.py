"""The trial side: what a trial script or function calls (NNI's trial API).

The same calls work in three places:

- in a **command trial** launched by the engine: the engine sets ``HYPERSCOUT_TRIAL_DIR``
  (and friends) and writes ``params.json`` there;
- in a **function trial**: the worker process that runs the function installs the context;
- **standalone** (a script run by hand, with no experiment): `get_next_parameter` returns
  ``{}`` and reports are printed to stderr, so a trial script runs unchanged both ways.

Reports travel to the engine as JSON lines appended to ``metrics.jsonl`` in the trial
directory with one unbuffered ``write`` each. A line that reached the file survives the
trial's and the engine's death, and `resume` ingests it. This module imports only the
standard library (and hyperscout's stdlib-only helpers) so a trial process starts fast.
"""

from __future__ import annotations

import json
import operator
import os
import sys
import threading
import time

from .errors import HyperscoutError, MetricError, TrialStopped
from .metrics import normalize_metric

# A command trial imports this module first, so it keeps to what Python loads anyway:
# typing, pathlib and dataclasses would add ~40 ms to every trial's start.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from typing import Any

    from .metrics import Metric

__all__ = [
    "TrialContext",
    "TrialStopped",
    "checkpoint_dir",
    "get_budget",
    "get_current_parameter",
    "get_experiment_id",
    "get_next_parameter",
    "get_previous_budget",
    "get_sequence_id",
    "get_trial_dir",
    "get_trial_id",
    "load_checkpoint_dir",
    "report_final_result",
    "report_intermediate_result",
    "should_stop",
]

METRICS_FILE = "metrics.jsonl"
PARAMS_FILE = "params.json"
SCHEDULE_FILE = "schedule.json"  # the scheduler's job: budget, the parent's folder, ...
STOP_FILE = "stop"  # written by the engine to stop the trial early; holds the reason
CHECKPOINT_DIR = "checkpoint"
ARCHITECTURE_FILE = "architecture.json"  # the architecture a one-shot NAS trial chose
BUDGET_KEY = "TRIAL_BUDGET"
ENV_TRIAL_DIR = "HYPERSCOUT_TRIAL_DIR"
ENV_EXPERIMENT_ID = "HYPERSCOUT_EXPERIMENT_ID"
ENV_TRIAL_ID = "HYPERSCOUT_TRIAL_ID"
ENV_SEQUENCE_ID = "HYPERSCOUT_SEQUENCE_ID"

STANDALONE = "STANDALONE"


class TrialContext:
    """The live handle of one running trial, as seen from inside it. `notify`, if given,
    is called after each report (it wakes the engine of a function trial)."""

    def __init__(self, experiment_id: str, trial_id: str, sequence_id: int,
                 trial_dir: str | os.PathLike[str] | None, *,
                 params: dict[str, Any] | None = None, n_reports: int = 0,
                 n_intermediate: int = 0, final_reported: bool = False,
                 notify: Callable[[], None] | None = None) -> None:
        self.experiment_id = experiment_id
        self.trial_id = trial_id
        self.sequence_id = sequence_id
        self.trial_dir = None if trial_dir is None else os.fspath(trial_dir)
        self.params = {} if params is None else params
        self.n_reports = n_reports
        self.n_intermediate = n_intermediate
        self.final_reported = final_reported
        self.notify = notify
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return (f"TrialContext(experiment_id={self.experiment_id!r}, "
                f"trial_id={self.trial_id!r}, trial_dir={self.trial_dir!r})")

    def report(self, kind: str, metric: Metric, step: int | None = None) -> None:
        value, values = normalize_metric(metric)
        if step is not None:
            step = _check_step(step)
        with self._lock:  # threads of one trial may report at once
            if kind == "final":
                if self.final_reported:
                    raise HyperscoutError(
                        "report_final_result() was already called in this trial; a trial has "
                        "one final result. Report progress with report_intermediate_result() "
                        "instead.")
                self.final_reported = True
            else:
                step = self.n_intermediate if step is None else step
                self.n_intermediate += 1
            record = {"seq": self.n_reports, "kind": kind, "value": value, "metrics": values,
                      "step": step, "time": time.time()}
            self.n_reports += 1
            if self.trial_dir is None:
                print(f"[hyperscout] {kind} result: {values}", file=sys.stderr, flush=True)
                return
            _append_line(os.path.join(self.trial_dir, METRICS_FILE), json.dumps(record))
        if self.notify is not None:
            self.notify()
        if kind != "final":
            self.check_stop()

    def hand_back(self, result: Any) -> None:
        """Report what a trial function returned as its final result, unless it reported
        one itself: then the returned value is ignored, and its stderr says so."""
        if result is None:
            return
        if self.final_reported:
            print(f"[hyperscout] the trial function returned {result!r} after calling "
                  "report_final_result(); the reported result stands and the returned "
                  "value is ignored.", file=sys.stderr, flush=True)
            return
        self.report("final", result)

    def check_stop(self) -> None:
        """Raise `TrialStopped` if the engine has asked this trial to stop."""
        if self.trial_dir is None:
            return
        try:
            with open(os.path.join(self.trial_dir, STOP_FILE)) as f:
                reason = f.read().strip()
        except FileNotFoundError:
            return
        raise TrialStopped(reason or "stopped early by the engine")

    def schedule(self) -> dict[str, Any]:
        """The scheduler's job of this trial (``schedule.json``); {} when there is none."""
        if self.trial_dir is None:
            return {}
        try:
            with open(os.path.join(self.trial_dir, SCHEDULE_FILE)) as f:
                return json.load(f)
        except FileNotFoundError:
            return {}


STEP_LIMIT = 2**63  # steps are stored as 64-bit integers


def _check_step(step: Any) -> int:
    """`step` as an int the store can hold, or a MetricError that names it."""
    try:
        number = operator.index(step)
    except TypeError:
        if not (isinstance(step, float) and step.is_integer()):  # 3.0 is fine
            raise MetricError(f"`step` must be a whole number, but got {step!r}.") from None
        number = int(step)
    if isinstance(step, bool) or not -STEP_LIMIT <= number < STEP_LIMIT:
        raise MetricError(f"`step` must be a whole number within +-2**63, but got {step!r}.")
    return number


def _append_line(path: str, line: str) -> None:
    """Append one line with a single unbuffered write (atomic for short appends)."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


_context: TrialContext | None = None
_local = threading.local()  # the in-process trial a thread runs (see `_enter`)


def _install(context: TrialContext | None) -> None:
    """Set the current trial (used by the function-trial worker and by tests)."""
    global _context
    _context = context


def _enter(context: TrialContext) -> None:
    """Make `context` the current trial of this thread, and of the threads it starts.

    The thread's own claim wins over the process-wide one, so an abandoned in-process
    trial that reports after the next trial started still reports as itself."""
    global _context
    _local.context = _context = context


def _leave(context: TrialContext) -> None:
    """End `_enter`; the process-wide trial is cleared only if it is still `context`."""
    global _context
    _local.context = None
    if _context is context:
        _context = None


def _current() -> TrialContext:
    global _context
    own = getattr(_local, "context", None)
    if own is not None:
        return own
    if _context is None:
        _context = _context_from_environment()
    return _context


def _context_from_environment() -> TrialContext:
    trial_dir = os.environ.get(ENV_TRIAL_DIR)
    if not trial_dir:
        return TrialContext(STANDALONE, STANDALONE, 0, None)
    try:
        with open(os.path.join(trial_dir, PARAMS_FILE)) as f:
            params = json.load(f)
    except FileNotFoundError:
        raise HyperscoutError(
            f"{ENV_TRIAL_DIR} is set to {trial_dir!r} but it holds no {PARAMS_FILE}; this "
            f"process was not started by a hyperscout engine. Unset {ENV_TRIAL_DIR} to run standalone."
        ) from None
    n_reports, n_intermediate, final = _count_existing_reports(
        os.path.join(trial_dir, METRICS_FILE))
    return TrialContext(
        experiment_id=os.environ.get(ENV_EXPERIMENT_ID, STANDALONE),
        trial_id=os.environ.get(ENV_TRIAL_ID, STANDALONE),
        sequence_id=int(os.environ.get(ENV_SEQUENCE_ID, "0")),
        trial_dir=trial_dir,
        params=params,
        n_reports=n_reports,
        n_intermediate=n_intermediate,
        final_reported=final,
    )


def _count_existing_reports(path: str) -> tuple[int, int, bool]:
    """Continue numbering after reports already in the file (a trial that restarted)."""
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return 0, 0, False
    records = []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue  # a line cut short by a kill: the engine skips it too
        if isinstance(record, dict) and isinstance(record.get("seq"), int):
            records.append(record)
    n_intermediate = sum(1 for r in records if r.get("kind") == "intermediate")
    next_seq = max((r["seq"] for r in records), default=-1) + 1
    return next_seq, n_intermediate, any(r.get("kind") == "final" for r in records)


def get_next_parameter() -> dict[str, Any]:
    """The hyperparameters of this trial (a fresh dict); ``{}`` when run standalone."""
    context = _current()
    if context.trial_dir is None and context.experiment_id == STANDALONE:
        print("[hyperscout] no experiment: running standalone with no parameters",
              file=sys.stderr, flush=True)
    return json.loads(json.dumps(context.params))


def get_current_parameter(tag: str | None = None) -> Any:
    """The current parameters, or one of them by name (NNI's ``get_current_parameter``)."""
    params = _current().params
    return dict(params) if tag is None else params[tag]


def report_intermediate_result(metric: Metric, *, step: int | None = None) -> None:
    """Report a progress metric (e.g. validation accuracy after an epoch).

    `metric` is a finite number or a dict with a ``default`` key; NaN, infinity and
    non-numbers raise `MetricError` and are never stored. `step` defaults to the count
    of earlier intermediate reports.
    """
    _current().report("intermediate", metric, step)


def report_final_result(metric: Metric) -> None:
    """Report the trial's result, the value the tuner optimises (once per trial)."""
    _current().report("final", metric)


def should_stop() -> bool:
    """True once the engine has asked this trial to stop (an assessor, a kill, a timeout);
    the next report would raise `TrialStopped`. For training loops that want to save a
    checkpoint and return between reports. Always False when run standalone."""
    try:
        _current().check_stop()
    except TrialStopped:
        return True
    return False


def get_trial_id() -> str:
    """This trial's id (``"STANDALONE"`` outside an experiment)."""
    return _current().trial_id


def get_experiment_id() -> str:
    """The experiment's id (``"STANDALONE"`` outside an experiment)."""
    return _current().experiment_id


def get_sequence_id() -> int:
    """The trial's sequence number in its experiment (0 standalone)."""
    return _current().sequence_id


def get_trial_dir() -> Path | None:
    """The trial's own directory for checkpoints and outputs; ``None`` when standalone."""
    trial_dir = _current().trial_dir
    if trial_dir is None:
        return None
    from pathlib import Path

    return Path(trial_dir)


def get_budget(default: Any = None) -> Any:
    """The resource this trial should train up to (epochs, ...), set by a multi-fidelity
    scheduler (``hyperband``, ``asha``) as the ``TRIAL_BUDGET`` parameter; `default` when
    the experiment has no such scheduler or the script runs standalone."""
    return _current().params.get(BUDGET_KEY, default)


def get_previous_budget() -> Any:
    """The resource already trained in the checkpoint that `load_checkpoint_dir` returns
    (the epoch to resume from): the parent's budget for a promoted trial, 0 otherwise."""
    context = _current()
    if context.trial_dir is not None and _has_files(
            os.path.join(context.trial_dir, CHECKPOINT_DIR)):
        return context.schedule().get("budget") or 0  # this trial's own, from a restart
    return context.schedule().get("previous_budget") or 0


def checkpoint_dir() -> Path | None:
    """The folder to save this trial's checkpoint in (created on first use); a promoted
    trial's successor loads it from there. ``None`` when run standalone."""
    context = _current()
    if context.trial_dir is None:
        return None
    from pathlib import Path

    path = Path(context.trial_dir) / CHECKPOINT_DIR
    path.mkdir(exist_ok=True)
    return path


def load_checkpoint_dir() -> Path | None:
    """The checkpoint to continue from, or ``None`` to start from scratch: this trial's
    own if it saved one before a restart, else (for a configuration a scheduler promoted)
    the checkpoint of the trial it continues. Never written to by this trial."""
    context = _current()
    if context.trial_dir is None:
        return None
    from pathlib import Path

    own = os.path.join(context.trial_dir, CHECKPOINT_DIR)
    if _has_files(own):
        return Path(own)
    parent = context.schedule().get("parent_dir")
    if parent and _has_files(os.path.join(parent, CHECKPOINT_DIR)):
        return Path(parent) / CHECKPOINT_DIR
    return None


def _has_files(path: str) -> bool:
    try:
        return any(True for _ in os.scandir(path))
    except (FileNotFoundError, NotADirectoryError):
        return False
