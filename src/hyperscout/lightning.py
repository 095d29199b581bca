"""`ReportCallback` for PyTorch Lightning: a ``Trainer`` inside a hyperscout trial reports
each validation epoch, stops when the engine asks, and hands its checkpoint to the trial
a scheduler promotes next.

    trainer = pl.Trainer(max_epochs=hyperscout.get_budget(10),
                         callbacks=[hyperscout.lightning.ReportCallback("val_acc")])
    trainer.fit(model, data, ckpt_path=hyperscout.lightning.resume_checkpoint())

Works with the ``lightning`` package (``lightning.pytorch``) or, when that is not
installed, with ``pytorch_lightning``; the callback subclasses the ``Callback`` of the one
it finds, so use that package's ``Trainer``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from . import trial as _trial

try:
    from lightning.pytorch import Callback
except ImportError:
    from pytorch_lightning import Callback

CHECKPOINT_FILE = "last.ckpt"

__all__ = ["CHECKPOINT_FILE", "ReportCallback", "resume_checkpoint"]


def resume_checkpoint() -> str | None:
    """The checkpoint a promoted (or restarted) trial continues from, for
    ``trainer.fit(..., ckpt_path=...)``; None to train from scratch (and standalone)."""
    folder = _trial.load_checkpoint_dir()
    if folder is None or not (folder / CHECKPOINT_FILE).exists():
        return None
    return str(folder / CHECKPOINT_FILE)


class ReportCallback(Callback):
    """Report a Lightning fit to the trial's experiment.

    Args:
        monitor: the logged metric that is the trial's result (``self.log("val_acc", ...)``);
            every other logged scalar travels with it.
        final: ``"last"`` reports the last validation epoch's value as the final result
            when the fit ends, ``"best"`` the best one's (`mode` says which is best),
            None reports no final result.
        mode: ``"max"`` or ``"min"``, for `final="best"`.
        save_checkpoint: save the trainer's checkpoint in the trial's checkpoint folder
            when the fit ends, so that a promoted configuration continues from it.

    A stop from the engine (an assessor, a kill, a timeout) ends the fit after the current
    epoch (``trainer.should_stop``); no final result is reported then, and the trial ends
    early-stopped with its last intermediate result.
    """

    def __init__(self, monitor: str = "val_acc", *, final: str | None = "last",
                 mode: str = "max", save_checkpoint: bool = True) -> None:
        super().__init__()
        if final not in ("last", "best", None):
            raise ValueError(f"`final` must be 'last', 'best' or None, but got {final!r}.")
        if mode not in ("max", "min"):
            raise ValueError(f"`mode` must be 'max' or 'min', but got {mode!r}.")
        self.monitor, self.final, self.mode = monitor, final, mode
        self.save_checkpoint = save_checkpoint
        self._last: dict[str, float] | None = None
        self._best: dict[str, float] | None = None
        self._stopped = False

    def on_validation_epoch_end(self, trainer: Any, pl_module: Any) -> None:
        if trainer.sanity_checking:
            return
        metrics = _scalars(trainer.callback_metrics)
        if self.monitor not in metrics:
            raise KeyError(
                f"the monitored metric {self.monitor!r} was not logged this epoch; logged: "
                f"{sorted(metrics)}. Log it with self.log({self.monitor!r}, ...) in "
                "validation_step, or choose one of those names.")
        value = metrics[self.monitor]
        report = {"default": value, **metrics}
        self._last = report
        if self._best is None or (value > self._best["default"] if self.mode == "max"
                                  else value < self._best["default"]):
            self._best = report
        if _trial.should_stop():  # asked to stop: end after this epoch, report nothing more
            self._stopped = True
            trainer.should_stop = True
            return
        _trial.report_intermediate_result(report, step=trainer.current_epoch + 1)

    def on_fit_end(self, trainer: Any, pl_module: Any) -> None:
        folder = _trial.checkpoint_dir() if self.save_checkpoint else None
        if folder is not None:
            _save(trainer, folder / CHECKPOINT_FILE)
        chosen = self._last if self.final == "last" else self._best
        if self.final is not None and chosen is not None and not self._stopped:
            _trial.report_final_result(chosen)


def _scalars(metrics: dict[str, Any]) -> dict[str, float]:
    out = {}
    for name, value in metrics.items():
        try:
            number = float(value)
        except (TypeError, ValueError, RuntimeError):
            continue  # not a scalar
        if math.isfinite(number):
            out[name] = number
    return out


def _save(trainer: Any, path: Path) -> None:
    """Save atomically: a kill mid-save leaves the previous checkpoint whole."""
    tmp = path.with_name(path.name + ".tmp")
    trainer.save_checkpoint(str(tmp))
    tmp.replace(path)
