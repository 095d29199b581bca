"""A one-shot search recorded as an experiment of one trial, so that `hyperscout
experiment list`, `hyperscout trial ls`, the dashboard and `hyperscout nas export` show
it like any other search: the supernet's training is the trial, each epoch an
intermediate result, the chosen architecture's accuracy on the shared weights its final
result.

The trial runs in the caller's thread (the in-process executor), so the supernet and the
`OneShotResult` stay in this process. The trial's folder keeps the checkpoint (unless the
caller named one) until the search has a result, then ``architecture.json`` and
``candidates.json``.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .. import trial as trial_api
from ..engine import Experiment
from ..errors import EngineError, TrialStopped
from ..states import TrialState
from ..store import Store
from ..trial import ARCHITECTURE_FILE
from ._model_space import ModelSpace
from ._oneshot import OneShotResult, OneShotStrategy
from ._training import Classification

CANDIDATES_FILE = "candidates.json"
CHECKPOINT_FILE = "supernet.pt"


class _OneShotTrial:
    """The trial function: run the strategy's search with the trial's stop check before
    each step and each epoch reported; keep the result (or the error) for the caller."""

    def __init__(self, strategy: OneShotStrategy, space: ModelSpace, training: Classification,
                 *, seed: int, fixed: Mapping[str, Any] | None,
                 checkpoint: str | os.PathLike[str] | None, progress: bool | None) -> None:
        self.strategy, self.space, self.training = strategy, space, training
        self.seed, self.fixed, self.progress = seed, fixed, progress
        self.checkpoint = None if checkpoint is None else Path(checkpoint)
        self.result: OneShotResult | None = None
        self.error: BaseException | None = None
        self.checkpoint_used: Path | None = None

    def __call__(self, params: dict[str, Any]) -> dict[str, float]:
        directory = trial_api.get_trial_dir()
        assert directory is not None, "a one-shot trial runs inside its experiment"
        context = trial_api._current()
        self.checkpoint_used = self.checkpoint or directory / CHECKPOINT_FILE
        try:
            result = self.strategy.search(
                self.space, self.training, fixed=self.fixed, seed=self.seed,
                checkpoint=self.checkpoint_used, progress=self.progress,
                on_epoch=_report_epoch, check_stop=context.check_stop)
        except (TrialStopped, KeyboardInterrupt):
            raise  # a stop: `run_oneshot` says where to resume from
        except BaseException as exc:
            self.error = exc
            raise
        self.result = result
        _write_json(directory / ARCHITECTURE_FILE, result.best_architecture)
        _write_json(directory / CANDIDATES_FILE,
                    [{"architecture": arch, "value": value} for arch, value in result.candidates])
        return {"default": result.best_value}


def _report_epoch(row: Mapping[str, Any]) -> None:
    """An epoch's history row as an intermediate result at step `epoch`: the supernet's
    training accuracy as the default metric, the row's other finite numbers beside it."""
    metrics = {k: float(v) for k, v in row.items()
               if k not in ("epoch", "seconds") and isinstance(v, int | float)
               and not isinstance(v, bool) and math.isfinite(v)}
    if "train_accuracy" not in metrics:
        return  # a row of an older checkpoint, or one whose accuracy is not a number
    metrics["default"] = metrics.pop("train_accuracy")
    trial_api.report_intermediate_result(metrics, step=int(row["epoch"]))


def _write_json(path: Path, data: Any) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(data, indent=2, default=str) + "\n")
    os.replace(partial, path)


def run_oneshot(strategy: OneShotStrategy, space: ModelSpace, training: Classification, *,
                seed: int, fixed: Mapping[str, Any] | None = None,
                checkpoint: str | os.PathLike[str] | None = None,
                progress: bool | None = None,
                storage: str | os.PathLike[str] | Store | None = None,
                name: str | None = None) -> OneShotResult:
    """Run `strategy.search` as the one trial of a stored experiment (see the module
    docstring); its result gains the experiment's id.

    An error of the search is raised here once the experiment has recorded it; a search
    stopped by Ctrl-C raises `KeyboardInterrupt`, one stopped otherwise (``hyperscout
    stop``) an `EngineError`; either names the checkpoint to resume from."""
    trial = _OneShotTrial(strategy, space, training, seed=seed, fixed=fixed,
                          checkpoint=checkpoint, progress=progress)
    exp = Experiment(trial, {"strategy": {"_type": "choice", "_value": [strategy.name]}},
                     tuner="random", max_trials=1, max_failed_trials=0, direction="maximize",
                     seed=seed, storage=storage, name=name, progress=False,
                     executor="in_process")
    exp.run()
    assert exp.id is not None
    record = next(iter(exp.trials()), None)  # none when stopped before it started
    if (trial.result is not None and record is not None
            and record.state is TrialState.SUCCEEDED):
        trial.result.experiment_id = exp.id
        if checkpoint is None and trial.checkpoint_used is not None:
            trial.checkpoint_used.unlink(missing_ok=True)  # the result is kept; save the disk
        return trial.result
    if trial.error is not None:  # its full traceback is on the terminal and in the log
        log = Path(record.directory) / "stderr.log" if record is not None else None
        trial.error.add_note(f"one-shot search {exp.id} failed; the traceback of the "
                             f"search is printed above" + (f" and kept in {log}" if log else ""))
        raise trial.error.with_traceback(None)
    saved = trial.checkpoint_used
    resume = (f"the checkpoint {str(saved)!r} holds the epochs it finished: pass it as "
              "`checkpoint=` to resume" if saved is not None and saved.is_file()
              else "no epoch had finished, so there is no checkpoint to resume from")
    message = (exp.store.experiment(exp.id).message
               or (record.reason if record is not None else None) or "stopped")
    if "SIGINT" in message:
        raise KeyboardInterrupt(f"one-shot search {exp.id} interrupted; {resume}")
    raise EngineError(f"one-shot search {exp.id} ended without a result ({message}); {resume}.")
